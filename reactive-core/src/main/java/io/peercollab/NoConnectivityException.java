// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * A discovery found no network interface it can use (none is up, or none suits it). A
 * {@link io.peercollab.spi.Discovery} fails its {@code start} with it so that signing in to {@code NEAR_ME} still
 * succeeds: the endpoint reports {@link Diagnostic.Kind#NO_CONNECTIVITY} ("signed in, no connectivity") and starts
 * the discovery again every few seconds until an interface comes up.
 */
public class NoConnectivityException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/** @param message what was looked for and found, for a person to read */
	public NoConnectivityException(String message) {
		super(message);
	}
}
