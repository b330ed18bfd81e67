package io.porthole.controller.remediation;

/**
 * A remediation as an operator asked for it ({@code POST /api/v1/remediations}); null fields were
 * not given. Types are checked against the OpenAPI document before; meaning by {@link
 * RemediationPlanner}.
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
    Boolean dryRun) {}
