// SPDX-License-Identifier: Apache-2.0
package io.peercollab.local;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.CollaborationObserver;
import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerObject;
import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceInfo;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
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
import reactor.core.publisher.Sinks;

/**
 * A {@link PeerTransport} inside one JVM, for fast tests: endpoints of one {@link Network} call each other's handlers
 * directly. It keeps the transport contract: the caller's name is the binding's identity, a connection fails with
 * {@link PeerIdentityMismatchException} unless the remote identity has the expected name, a closed connection fails
 * what is pending with {@link PeerUnreachableException}, and cancellation reaches the remote handler.
 *
 * <p>Addresses are {@code 127.0.0.1} with ports handed out by the network; no socket is opened.
 */
public final class InMemoryPeerTransport implements PeerTransport {

	private final Network network;

	private InMemoryPeerTransport(Network network) {
		this.network = network;
	}

	/** @return a transport on a new, private network (use {@link Network#transport()} to share one) */
	public static InMemoryPeerTransport create() {
		return new Network().transport();
	}

	/** @return the network this transport binds on */
	public Network network() {
		return network;
	}

	@Override
	public Mono<TransportBinding> bind(PeerIdentity identity, PeerRequestHandler handler) {
		return bind(identity, handler, CollaborationObserver.NOOP);
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Here: a connection opens at the first {@code connect} between two bindings (both sides are told, outbound
	 * and inbound) and closes when either binding is disposed or the network {@link Network#cut cuts} it; a connect
	 * to an address where nothing listens, or where another name listens, is a failed connect.
	 */
	@Override
	public Mono<TransportBinding> bind(PeerIdentity identity, PeerRequestHandler handler,
			CollaborationObserver observer) {
		Objects.requireNonNull(identity, "identity");
		Objects.requireNonNull(handler, "handler");
		Objects.requireNonNull(observer, "observer");
		return Mono.fromCallable(() -> network.bind(identity, handler, observer));
	}

	/**
	 * A set of endpoints that can reach each other.
	 */
	public static final class Network {

		private final AtomicInteger ports = new AtomicInteger(40_000);
		private final Map<PeerAddress, Binding> bindings = new ConcurrentHashMap<>();

		/** @return a transport that binds on this network */
		public InMemoryPeerTransport transport() {
			return new InMemoryPeerTransport(this);
		}

		/**
		 * Cuts every connection from or to the endpoint named {@code name}, as a network failure would: pending requests
		 * fail with {@link PeerUnreachableException}; the endpoint stays bound and can be reached again.
		 */
		public void cut(PeerName name) {
			for (Binding b : bindings.values()) {
				for (Connection c : b.connections.values()) {
					if (b.identity.name().equals(name) || c.remote().equals(name)) {
						c.dispose();
					}
				}
			}
		}

		Binding bind(PeerIdentity identity, PeerRequestHandler handler, CollaborationObserver observer) {
			TcpAddress address = TcpAddress.of(InetAddress.getLoopbackAddress(), ports.incrementAndGet());
			Binding b = new Binding(this, identity, handler, address, observer);
			bindings.put(address, b);
			return b;
		}
	}

	static final class Binding implements TransportBinding {

		final Network network;
		final PeerIdentity identity;
		final PeerRequestHandler handler;
		final TcpAddress address;
		final CollaborationObserver observer;
		final Map<PeerAddress, Connection> connections = new ConcurrentHashMap<>();
		final Set<Connection> inbound = ConcurrentHashMap.newKeySet();
		final Sinks.Empty<Void> disposed = Sinks.empty();
		final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();

		Binding(Network network, PeerIdentity identity, PeerRequestHandler handler, TcpAddress address,
				CollaborationObserver observer) {
			this.network = network;
			this.identity = identity;
			this.handler = handler;
			this.address = address;
			this.observer = observer;
		}

		@Override
		public PeerAddress address() {
			return address;
		}

		@Override
		public Mono<PeerConnection> connect(PeerName expected, PeerAddress remoteAddress) {
			return Mono.defer(() -> {
				if (isDisposed()) {
					return Mono.error(new PeerUnreachableException("this endpoint's transport is closed"));
				}
				Connection existing = connections.get(remoteAddress);
				if (existing != null && !existing.isDisposed()) {
					if (!existing.remote().equals(expected)) {
						return Mono.error(mismatch(expected, existing.remote()));
					}
					return Mono.just(existing);
				}
				Binding remote = network.bindings.get(remoteAddress);
				if (remote == null || remote.isDisposed()) {
					return failed(expected, remoteAddress, new PeerUnreachableException(
							"nothing listens at " + remoteAddress + " (expected " + expected + ")"));
				}
				if (!remote.identity.name().equals(expected)) {
					return failed(expected, remoteAddress, mismatch(expected, remote.identity.name()));
				}
				Connection c = new Connection(this, remote);
				Connection raced = connections.putIfAbsent(remoteAddress, c);
				if (raced != null && !raced.isDisposed()) {
					return Mono.just(raced);
				}
				connections.put(remoteAddress, c);
				remote.inbound.add(c);
				observer.connectionOpened(remote.identity.name(), remote.address,
						CollaborationObserver.Direction.OUTBOUND);
				remote.observer.connectionOpened(identity.name(), address, CollaborationObserver.Direction.INBOUND);
				// in memory, every connection goes straight to the endpoint dialled
				observer.connectionPath(remote.identity.name(), remote.address, CollaborationObserver.Direction.OUTBOUND,
						c.path());
				remote.observer.connectionPath(identity.name(), address, CollaborationObserver.Direction.INBOUND,
						c.path());
				return Mono.just(c);
			});
		}

		private Mono<PeerConnection> failed(PeerName expected, PeerAddress remoteAddress, Throwable error) {
			observer.connectFailed(expected, remoteAddress, error);
			return Mono.error(error);
		}

		private static PeerIdentityMismatchException mismatch(PeerName expected, PeerName found) {
			return new PeerIdentityMismatchException(
					"expected to reach " + expected + " but the endpoint proved the key of " + found);
		}

		@Override
		public Mono<Void> onDispose() {
			return disposed.asMono();
		}

		/**
		 * Emits nothing and completes when this binding is disposed: calls between bindings of one network pass
		 * objects, not bytes, so there is no route, payload, setup or connection limit for this transport to refuse.
		 * What the handler refuses, the handler reports.
		 */
		@Override
		public Flux<io.peercollab.Diagnostic> diagnostics() {
			return disposed.asMono().thenMany(Flux.empty());
		}

		@Override
		public void dispose() {
			if (done.compareAndSet(false, true)) {
				disposed.tryEmitEmpty();
				network.bindings.remove(address, this);
				connections.values().forEach(Connection::dispose);
				inbound.forEach(Connection::dispose);
			}
		}

		@Override
		public boolean isDisposed() {
			return done.get();
		}
	}

	static final class Connection implements PeerConnection {

		final Binding local;
		final Binding remote;
		final PeerName caller;
		final Sinks.Empty<Void> closed = Sinks.empty();
		final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
		final long openedNanos = System.nanoTime();

		Connection(Binding local, Binding remote) {
			this.local = local;
			this.remote = remote;
			this.caller = local.identity.name();
		}

		@Override
		public PeerName remote() {
			return remote.identity.name();
		}

		@Override
		public PeerAddress remoteAddress() {
			return remote.address;
		}

		private PeerUnreachableException lost() {
			return new PeerUnreachableException("the connection to " + remote() + " is closed");
		}

		private <T> Mono<T> guard(Mono<T> call) {
			return Mono.defer(() -> isDisposed() ? Mono.<T>error(lost())
					: Mono.firstWithSignal(call, closed.asMono().then(Mono.error(this::lost))));
		}

		private <T> Flux<T> guard(Flux<T> call) {
			return Flux.defer(() -> isDisposed() ? Flux.<T>error(lost())
					: call.takeUntilOther(closed.asMono().then(Mono.just(true)))
							.concatWith(Mono.defer(() -> isDisposed() ? Mono.error(lost()) : Mono.empty())));
		}

		@Override
		public Mono<InviteReply> invite(InviteRequest request) {
			return guard(Mono.defer(() -> remote.handler.invite(caller, local.address, request)));
		}

		@Override
		public Mono<PresenceInfo> presence() {
			return guard(Mono.defer(() -> remote.handler.presence(caller)));
		}

		@Override
		public Flux<PeerApplication> applications() {
			return guard(Flux.defer(() -> remote.handler.applications(caller)));
		}

		@Override
		public Flux<PeerObject> objects() {
			return guard(Flux.defer(() -> remote.handler.objects(caller)));
		}

		@Override
		public Mono<String> card() {
			return guard(Mono.defer(() -> remote.handler.card(caller)));
		}

		@Override
		public Flux<PeerEvent> events(long afterVersion) {
			return guard(Flux.defer(() -> remote.handler.events(caller, afterVersion)));
		}

		@Override
		public Flux<SessionFrame> session(SessionOpen open, Publisher<SessionFrame> outbound) {
			// the callee's inbound ends as the requester's does: completes with the outbound, fails on a lost connection
			// frames cross as copies, as over a wire: a frame's array belongs to the side that built it
			return guard(Flux.defer(() -> remote.handler.session(caller, open,
					Flux.from(outbound).map(InMemoryPeerTransport::copy)
							.takeUntilOther(closed.asMono().then(Mono.just(true)))
							.concatWith(Mono.defer(() -> isDisposed() ? Mono.error(new PeerUnreachableException(
									"the connection from " + caller + " is closed")) : Mono.empty())))
					.map(InMemoryPeerTransport::copy)));
		}

		@Override
		public Mono<Void> signedOut() {
			return guard(Mono.defer(() -> remote.handler.signedOut(caller)));
		}

		@Override
		public Mono<Void> onClose() {
			return closed.asMono();
		}

		@Override
		public void dispose() {
			if (done.compareAndSet(false, true)) {
				closed.tryEmitEmpty();
				local.connections.remove(remote.address, this);
				boolean opened = remote.inbound.remove(this);
				if (opened) {
					// a connection that lost a race to open was never reported opened
					Duration lifetime = Duration.ofNanos(System.nanoTime() - openedNanos);
					local.observer.connectionClosed(remote(), remote.address, CollaborationObserver.Direction.OUTBOUND,
							lifetime);
					remote.observer.connectionClosed(caller, local.address, CollaborationObserver.Direction.INBOUND,
							lifetime);
				}
			}
		}

		@Override
		public boolean isDisposed() {
			return done.get();
		}
	}

	private static SessionFrame copy(SessionFrame f) {
		return new SessionFrame(f.origin(), f.data().clone());
	}
}
