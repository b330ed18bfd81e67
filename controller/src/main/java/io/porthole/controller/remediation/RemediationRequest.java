package io.porthole.controller.remediation;

/**
 * A remediation as an operator asked for it ({@code POST /api/v1/remediations}); null fields were
 * not given. Types are checked against the OpenAPI document before; meaning by {@link
 * RemediationPlanner}.
 *
 * @param captureInterface CAPTURE_PACKETS only: the container's interface to capture on, as named
 *     inside the container (JSON {@code interface}); null for all of them
 */
public record RemediationRequest(
    String action,
    String container,
    String hostId,
    String reason,
    Integer ttlSeconds,
    Integer durationSeconds,
    String image,
    String path,
    Boolean dryRun,
    String captureInterface) {}
