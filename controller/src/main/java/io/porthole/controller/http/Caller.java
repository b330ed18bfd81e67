package io.porthole.controller.http;

/** Who made a request: the name of the bearer token presented, and its role. */
public record Caller(String name, Role role) {}
