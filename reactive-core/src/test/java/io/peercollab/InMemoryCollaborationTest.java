// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.PeerTransport;

/**
 * The collaboration contract over the in-memory transport.
 */
class InMemoryCollaborationTest extends CollaborationContract {

	private final InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();

	@Override
	protected PeerTransport transport() {
		return network.transport();
	}
}
