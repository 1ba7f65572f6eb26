// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.Objects;

import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.LiveValue;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import org.reactivestreams.Publisher;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A connection that forwards every call to another, for tests that change one thing about a connection (its path,
 * the state stream it delivers) by overriding that method; with {@link #silent} and {@link WithPath}, the fakes the
 * tests of connection paths share.
 */
public class ForwardingConnection implements PeerConnection {

	private final PeerConnection delegate;

	public ForwardingConnection(PeerConnection delegate) {
		this.delegate = Objects.requireNonNull(delegate, "delegate");
	}

	/**
	 * @param remote the name it proved
	 * @return a connection to {@code remote} that answers nothing (every call waits forever), has no address (asking
	 * for it throws), and closes when disposed
	 */
	public static PeerConnection silent(PeerName remote) {
		return new Silent(remote);
	}

	@Override
	public PeerName remote() {
		return delegate.remote();
	}

	@Override
	public PeerAddress remoteAddress() {
		return delegate.remoteAddress();
	}

	@Override
	public String remoteInstance() {
		return delegate.remoteInstance();
	}

	@Override
	public ConnectionPath path() {
		return delegate.path();
	}

	@Override
	public Flux<ConnectionPath> pathChanges() {
		return delegate.pathChanges();
	}

	@Override
	public Mono<InviteReply> invite(InviteRequest request) {
		return delegate.invite(request);
	}

	@Override
	public Mono<PresenceInfo> presence() {
		return delegate.presence();
	}

	@Override
	public Flux<PeerApplication> applications() {
		return delegate.applications();
	}

	@Override
	public Flux<PeerObject> objects() {
		return delegate.objects();
	}

	@Override
	public Mono<String> card() {
		return delegate.card();
	}

	@Override
	public Flux<PeerEvent> events(long afterVersion) {
		return delegate.events(afterVersion);
	}

	@Override
	public Flux<SessionFrame> session(SessionOpen open, Publisher<SessionFrame> outbound) {
		return delegate.session(open, outbound);
	}

	@Override
	public Mono<Void> signedOut() {
		return delegate.signedOut();
	}

	@Override
	public Mono<Void> onClose() {
		return delegate.onClose();
	}

	@Override
	public void dispose() {
		delegate.dispose();
	}

	@Override
	public boolean isDisposed() {
		return delegate.isDisposed();
	}

	/** Forwards every call but the path, which the test sets; the path's stream completes when the connection closes. */
	public static final class WithPath extends ForwardingConnection {

		private final LiveValue<ConnectionPath> path;

		/**
		 * @param delegate the connection
		 * @param path its path, set by the test; closed when {@code delegate} closes
		 */
		public WithPath(PeerConnection delegate, LiveValue<ConnectionPath> path) {
			super(delegate);
			this.path = path;
			delegate.onClose().doFinally(s -> path.close()).subscribe();
		}

		/** @param initial the path until the test sets another with {@link #setPath} */
		public WithPath(PeerConnection delegate, ConnectionPath initial) {
			this(delegate, new LiveValue<>(initial));
		}

		/** @param next the path from now on */
		public void setPath(ConnectionPath next) {
			path.set(next);
		}

		@Override
		public ConnectionPath path() {
			return path.get();
		}

		@Override
		public Flux<ConnectionPath> pathChanges() {
			return path.changes();
		}
	}

	private static final class Silent implements PeerConnection {

		private final PeerName remote;
		private final Sinks.Empty<Void> closed = Sinks.empty();

		Silent(PeerName remote) {
			this.remote = remote;
		}

		@Override
		public PeerName remote() {
			return remote;
		}

		@Override
		public PeerAddress remoteAddress() {
			throw new UnsupportedOperationException();
		}

		@Override
		public Mono<InviteReply> invite(InviteRequest request) {
			return Mono.never();
		}

		@Override
		public Mono<PresenceInfo> presence() {
			return Mono.never();
		}

		@Override
		public Flux<PeerApplication> applications() {
			return Flux.never();
		}

		@Override
		public Flux<PeerObject> objects() {
			return Flux.never();
		}

		@Override
		public Mono<String> card() {
			return Mono.never();
		}

		@Override
		public Flux<PeerEvent> events(long afterVersion) {
			return Flux.never();
		}

		@Override
		public Flux<SessionFrame> session(SessionOpen open, Publisher<SessionFrame> outbound) {
			return Flux.never();
		}

		@Override
		public Mono<Void> signedOut() {
			return Mono.never();
		}

		@Override
		public Mono<Void> onClose() {
			return closed.asMono();
		}

		@Override
		public void dispose() {
			closed.tryEmitEmpty();
		}

		@Override
		public boolean isDisposed() {
			return Boolean.TRUE.equals(closed.scan(Scannable.Attr.TERMINATED));
		}
	}
}
