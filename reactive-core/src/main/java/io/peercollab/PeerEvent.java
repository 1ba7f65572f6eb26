// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * A change of what an endpoint publishes: its presence, an application, an object. The streams that carry these
 * ({@link Peer#events()}, and the local {@code ...Changes()} streams of {@link PeerCollaboration}) emit the current
 * state first, as {@link ChangeType#ADDED} events, then every change.
 *
 * <p>{@link #version()} orders the events of one endpoint: it starts at the time the endpoint was created, in
 * microseconds since the epoch, and grows by one with each change the endpoint makes, so a follower that resumes after
 * a lost connection knows where it stopped, and an endpoint that restarts does not reuse its former versions. The
 * events of a contact followed on several endpoints ({@link Peer#events()}) are merged here, and numbered by this
 * endpoint: their versions only grow, but are no endpoint's own.
 */
public sealed interface PeerEvent permits PresenceChange, ApplicationChange, ObjectChange, PeerEvent.Synced {

	/** @return the publishing endpoint's version after this change */
	long version();

	/**
	 * Marks the end of the current state in a remote {@link Peer#events()} stream: what came before described the
	 * state at {@code version}, what follows are live changes. Emitted again after each reconnection.
	 *
	 * @param version the version the state was taken at
	 */
	record Synced(long version) implements PeerEvent {
	}
}
