// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.TransportBinding;
import reactor.test.StepVerifier;

/**
 * Identities and bindings for the tests. Identities are made once per JVM and classifier: generating one costs tens
 * of milliseconds. Tests may block; the library never does.
 */
final class TestPeers {

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final Map<String, PeerIdentity> IDENTITIES = new ConcurrentHashMap<>();

	static {
		// a broken network path must fail a test, not hang the build
		StepVerifier.setDefaultTimeout(TIMEOUT);
	}

	private TestPeers() {
	}

	/** @return a transport bound to loopback, port 0 */
	static RSocketPeerTransport loopback() {
		return RSocketPeerTransport.tcp().host("127.0.0.1").port(0);
	}

	/** @return the identity for this classifier and key type, the same for the whole run */
	static PeerIdentity identity(String classifier, KeyType keyType) {
		return IDENTITIES.computeIfAbsent(classifier + "/" + keyType, k -> PeerIdentity.generate(classifier, keyType));
	}

	static TransportBinding bind(RSocketPeerTransport transport, PeerIdentity identity, PeerRequestHandler handler) {
		return transport.bind(identity, handler).block(TIMEOUT);
	}

	static PeerConnection connect(TransportBinding from, TransportBinding to, PeerIdentity toIdentity) {
		return from.connect(toIdentity.name(), to.address()).block(TIMEOUT);
	}

	static void dispose(TransportBinding... bindings) {
		for (TransportBinding b : bindings) {
			if (b != null) {
				b.dispose();
				b.onDispose().block(TIMEOUT);
			}
		}
	}
}
