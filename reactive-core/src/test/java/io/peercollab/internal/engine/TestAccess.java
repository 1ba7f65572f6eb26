// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.engine;

import java.time.Duration;

import io.peercollab.PeerCollaboration;

/**
 * Test-only access to an endpoint's internals, for fault injection.
 */
public final class TestAccess {

	private TestAccess() {
	}

	/**
	 * Cuts the connection {@code from} holds to {@code to}, as a network failure would.
	 */
	public static void cutConnection(PeerCollaboration from, PeerCollaboration to) {
		DefaultPeerCollaboration f = (DefaultPeerCollaboration) from;
		f.binding().connect(to.name(), to.endPoints().get(0).address()).block(Duration.ofSeconds(10)).dispose();
	}

	/**
	 * Closes the endpoint's transport abruptly, as a crash would: no sign-out message, no mDNS goodbye.
	 */
	public static void crashTransport(PeerCollaboration endpoint) {
		((DefaultPeerCollaboration) endpoint).binding().dispose();
	}

	/**
	 * @return how many remote subscriptions to {@code collab}'s events ({@code Peer.events()} of other endpoints) it
	 * serves now
	 */
	/** @return the invitations room of {@code collab} (a {@code PeerCollaboration.builder()} endpoint) */
	public static io.peercollab.internal.invite.Invitations invitations(PeerCollaboration collab) {
		return ((DefaultPeerCollaboration) collab).invitations;
	}

	public static int followerCount(PeerCollaboration collab) {
		return ((DefaultPeerCollaboration) collab).followerCount();
	}

	/** Makes {@code collab}'s watches of {@code name}'s endpoints look for them now, instead of at the next rescan. */
	public static void rescanEndPoints(PeerCollaboration collab, io.peercollab.identity.PeerName name) {
		((DefaultPeerCollaboration) collab).reach.rescanEndPoints(name);
	}
}
