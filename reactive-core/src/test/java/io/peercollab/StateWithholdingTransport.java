// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.Objects;

import io.peercollab.identity.PeerName;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.PeerTransport;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import io.peercollab.spi.TransportBinding;
import org.reactivestreams.Publisher;
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
	private record Withholding(PeerConnection c) implements PeerConnection {

		@Override
		public PeerName remote() {
			return c.remote();
		}

		@Override
		public PeerAddress remoteAddress() {
			return c.remoteAddress();
		}

		@Override
		public String remoteInstance() {
			return c.remoteInstance();
		}

		@Override
		public Mono<InviteReply> invite(InviteRequest request) {
			return c.invite(request);
		}

		@Override
		public Mono<PresenceInfo> presence() {
			return c.presence();
		}

		@Override
		public Flux<PeerApplication> applications() {
			return c.applications();
		}

		@Override
		public Flux<PeerObject> objects() {
			return c.objects();
		}

		@Override
		public Mono<String> card() {
			return c.card();
		}

		@Override
		public Flux<PeerEvent> events(long afterVersion) {
			return Flux.never();
		}

		@Override
		public Flux<SessionFrame> session(SessionOpen open, Publisher<SessionFrame> outbound) {
			return c.session(open, outbound);
		}

		@Override
		public Mono<Void> signedOut() {
			return c.signedOut();
		}

		@Override
		public Mono<Void> onClose() {
			return c.onClose();
		}

		@Override
		public void dispose() {
			c.dispose();
		}

		@Override
		public boolean isDisposed() {
			return c.isDisposed();
		}
	}
}
