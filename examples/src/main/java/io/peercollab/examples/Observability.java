// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.peercollab.PeerCollaboration;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.micrometer.MicrometerCollaborationObserver;
import io.peercollab.rsocket.RSocketPeerTransport;

/**
 * The README's "Observability" snippet: an endpoint whose connections, invitations, sessions and lookups become
 * Micrometer meters.
 */
public final class Observability {

	private Observability() {
	}

	/**
	 * @param identity the endpoint's identity
	 * @return the registry the endpoint's meters are in, and the endpoint (not yet signed in)
	 */
	public static Observed observed(PeerIdentity identity) {
		// region readme-micrometer
		MeterRegistry registry = new SimpleMeterRegistry();
		PeerCollaboration collab = PeerCollaboration.builder()
				.identity(identity)
				.transport(RSocketPeerTransport.tcp())
				.observer(new MicrometerCollaborationObserver(registry, Tags.of("endpoint", "alice")))
				.build();
		// endregion
		return new Observed(registry, collab);
	}

	/**
	 * An endpoint and its meters.
	 *
	 * @param registry where the meters are
	 * @param collab the endpoint
	 */
	public record Observed(MeterRegistry registry, PeerCollaboration collab) {
	}
}
