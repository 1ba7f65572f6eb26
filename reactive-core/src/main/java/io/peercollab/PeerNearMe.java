// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * A peer found on the local network by discovery, shown only once its name is proven: discovery's announcement is a
 * claim, and the library connects to each announced endpoint first; a peer appears in
 * {@link PeerCollaboration#peersNearMe()} only with the endpoints where a mutually authenticated connection proved the
 * announced name (one TLS handshake after the announcement is resolved: about 10-20 ms on loopback). An endpoint whose
 * key does not match the name is never shown, is reported as a {@link Diagnostic.Kind#SPOOFED_NAME}, and is not dialled
 * again for ten minutes; another endpoint announcing this peer's name can therefore neither hide it nor appear as it,
 * even for a moment.
 */
public interface PeerNearMe extends Peer {

	/** @return whether a connection has proven the announced name: always {@code true} for a peer near me */
	boolean isVerified();

	/**
	 * @return the endpoint name it announces (by default its machine's host name; Windows' endpoint name), or
	 * {@code ""} if it announces none; a claim, for display
	 */
	default String endPointName() {
		return "";
	}

	/** @return the machine name it announces, or {@code ""} if it announces none; a claim, for display */
	default String machineName() {
		return "";
	}
}
