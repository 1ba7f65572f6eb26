// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import lbms.plugins.mldht.kad.DHT;
import lbms.plugins.mldht.kad.DHT.LogLevel;
import lbms.plugins.mldht.kad.DHTLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes mldht's static logger to SLF4J (logger {@value #LOGGER_NAME}). mldht reports remote peers' misbehaviour at
 * its {@code Error} level, which is routine on the public network, so the mapping is one step quieter than the names
 * suggest: {@code Fatal} → error, {@code Error} → info, {@code Info} → debug, {@code Debug}/{@code Verbose} → trace.
 */
final class MldhtLogging {

	static final String LOGGER_NAME = "io.peercollab.dht.mldht";

	private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

	private static volatile boolean installed;

	private MldhtLogging() {
	}

	/** Installs the bridge once per JVM; mldht's logger is static, shared by every node. */
	static synchronized void install() {
		if (installed) {
			return;
		}
		installed = true;
		// mldht builds its messages only for enabled levels: enable as much as SLF4J will print, no more
		DHT.setLogLevel(LOG.isTraceEnabled() ? LogLevel.Verbose
				: LOG.isDebugEnabled() ? LogLevel.Info : LOG.isInfoEnabled() ? LogLevel.Error : LogLevel.Fatal);
		DHT.setLogger(new DHTLogger() {
			@Override
			public void log(String message, LogLevel level) {
				switch (level) {
					case Fatal -> LOG.error(message);
					case Error -> LOG.info(message);
					case Info -> LOG.debug(message);
					default -> LOG.trace(message);
				}
			}

			@Override
			public void log(Throwable error, LogLevel level) {
				switch (level) {
					case Fatal -> LOG.error("mldht failure", error);
					case Error -> LOG.info("mldht error", error);
					case Info -> LOG.debug("mldht", error);
					default -> LOG.trace("mldht", error);
				}
			}
		});
	}
}
