// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.Objects;

import io.peercollab.identity.PeerName;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.PeerTransport;
import io.peercollab.spi.TransportBinding;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A real transport whose outbound connections never deliver the remote state stream ({@code events}): the connection
 * proves the peer's key and everything else works, but the remote stream is never established. What a follower sees
 * of an endpoint that answers and then sends nothing.
 */
final class StateWithholdingTransport implements PeerTransport {

	private final PeerTransport inner;

	StateWithholdingTransport(PeerTransport inner) {
		this.inner = Objects.requireNonNull(inner, "inner");
	}

	@Override
	public Mono<TransportBinding> bind(PeerIdentity identity, PeerRequestHandler handler) {
		return inner.bind(identity, handler).map(Binding::new);
	}

	@Override
	public Mono<TransportBinding> bind(PeerIdentity identity, PeerRequestHandler handler,
			CollaborationObserver observer) {
		return inner.bind(identity, handler, observer).map(Binding::new);
	}

	private static final class Binding extends ForwardingBinding {

		Binding(TransportBinding delegate) {
			super(delegate);
		}

		@Override
		public Mono<PeerConnection> connect(PeerName expected, PeerAddress address) {
			return super.connect(expected, address).map(Withholding::new);
		}
	}

	/** Forwards everything but {@link #events}, which never emits. */
	private static final class Withholding extends ForwardingConnection {

		Withholding(PeerConnection c) {
			super(c);
		}

		@Override
		public Flux<PeerEvent> events(long afterVersion) {
			return Flux.never();
		}
	}
}
