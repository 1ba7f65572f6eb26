// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import io.peercollab.CollaborationContract;
import io.peercollab.spi.PeerTransport;

/**
 * The collaboration contract over RSocket with mutually authenticated TLS on loopback: the same behaviour as the
 * in-memory transport, through the real wire.
 */
class RSocketCollaborationTest extends CollaborationContract {

	@Override
	protected PeerTransport transport() {
		return RSocketPeerTransport.tcp().host("127.0.0.1");
	}
}
