package io.porthole.app.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * Logback's first configuration, before any setting is read: the format the environment asks for
 * ({@code PORTHOLE_LOG_FORMAT}), text otherwise. A command reconfigures through {@link LogSetup}
 * once its settings (which may come from a file) are known; a bad value is reported there, naming
 * the key. Found through {@code META-INF/services}.
 */
public final class PortholeLogConfigurator extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    LogFormat format =
        LogFormat.parse(System.getenv(LogFormat.ENVIRONMENT_VARIABLE)).orElse(LogFormat.TEXT);
    LogSetup.install(context, format, Map.of());
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
