// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.peercollab.CollaborationObserver.Direction;
import io.peercollab.CollaborationObserver;
import io.peercollab.ConnectionPath;
import io.peercollab.Diagnostic;
import io.peercollab.InvalidRequestException;
import io.peercollab.IpLiterals;
import io.peercollab.PeerAddress;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerUnreachableException;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.Expiries;
import io.peercollab.internal.flow.LiveValue;
import io.peercollab.internal.nat.InterfaceWatch;
import io.peercollab.internal.nat.NatBehaviour;
import io.peercollab.internal.nat.PublicAddressCheck;
import io.peercollab.internal.nat.TurnClient;
import io.peercollab.internal.nat.TurnException.CredentialsRefused;
import io.peercollab.RelayedAddress;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.TransportBinding;
import io.rsocket.ConnectionSetupPayload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.core.RSocketServer;
import io.rsocket.exceptions.RejectedSetupException;
import io.rsocket.frame.decoder.PayloadDecoder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.core.scheduler.Schedulers;
import reactor.netty.tcp.SslProvider;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A running {@link io.peercollab.rsocket.RSocketPeerTransport}: the TLS RSocket server for one identity, and the
 * connections it opens to others, one per (expected name, address), shared and evicted when closed. Not API.
 */
public final class RSocketBinding implements TransportBinding {

	private static final Logger log = Loggers.getLogger(RSocketBinding.class);

	private final TransportSettings settings;
	private final PeerIdentity identity;
	private final PeerRequestHandler handler;
	private final PayloadCodec codec;
	private final SslContext clientTls;
	private final SslContext serverTls;
	private final InboundConnections inboundConnections;
	private final Customizers customizers;
	/** Told about every connection opened, closed, and every connect that failed; guarded: it does not throw. */
	private final CollaborationObserver observer;
	/** The client of every TLS connection opened: the library's configuration, then the user's customizer. */
	private final TcpClient tlsClient;
	/** This binding's deadlines (time to first stream, idle connections), on one timer task. */
	private final Expiries expiries = new Expiries(Schedulers.parallel());

	private final Map<Key, Mono<RSocketPeerConnection>> connections = new ConcurrentHashMap<>();
	private final Set<RSocketPeerConnection> outbound = ConcurrentHashMap.newKeySet();
	private final Set<RSocket> inbound = ConcurrentHashMap.newKeySet();
	/** This binding's instance id, told to every client in {@code hello}. */
	private final String instance = java.util.UUID.randomUUID().toString();
	private final Map<PeerName, Integer> connectionsPerPeer = new ConcurrentHashMap<>();
	private final AtomicBoolean disposed = new AtomicBoolean();
	private final Sinks.Empty<Void> onDispose = Sinks.empty();
	private final Sinks.Many<PeerName> lost = Sinks.many().multicast().directBestEffort();

	private volatile SecureServerTransport.ServerChannel server;

	/** The TURN server to relay through, or {@code null}. */
	private final TurnSettings turnSettings;
	/** The servers the public address is checked against, in order: the configured STUN servers, then TURN's. */
	private final List<InetSocketAddress> stunServers;
	private volatile SecureServerTransport transport;
	/** The TURN allocation, once made. */
	private volatile TurnClient turn;

	/**
	 * Upgrades relayed connections to hole-punched ones, learning this end's TCP mapping from {@link #stunServers}.
	 */
	private final HolePunchUpgrade holePunch;

	/** The sessions callers may move to another of their connections to this end. */
	private final SessionResumes sessionResumes = new SessionResumes();
	/** A new allocation being made after the last one was lost. */
	private final reactor.core.Disposable.Swap reallocation = reactor.core.Disposables.swap();

	/** Reported when the TURN allocation is lost, and when a new one is made or cannot be. */
	static final Diagnostic.Kind RELAY_LOST = Diagnostic.Kind.of("relay.LOST");

	/**
	 * Reported when a follow could not move from a relayed connection to the hole-punched one that replaced it (its
	 * stream there failed before it synced): it stays on the relayed connection, and the message says why.
	 */
	static final Diagnostic.Kind FOLLOW_NOT_MOVED = Diagnostic.Kind.of("nat.FOLLOW_NOT_MOVED");

	/** Reported when the first TURN allocation fails other than by refused credentials: bound without a relay. */
	static final Diagnostic.Kind RELAY_UNAVAILABLE = Diagnostic.Kind.of("relay.UNAVAILABLE");

	/** The reflexive addresses, as {@link #reflexiveAddressChanges()} tells them; completed at dispose. */
	private final LiveValue<List<PeerAddress>> reflexive = new LiveValue<>(List.of());

	/** What the last check of the public address found, or {@code null} before the first. */
	private volatile PublicAddressCheck.Result stand;

	/** The periodic checks of the public address. */
	private final reactor.core.Disposable.Swap publicRecheck = reactor.core.Disposables.swap();

	/** The relayed addresses, as {@link #relayedAddressChanges()} tells them; completed at dispose. */
	private final LiveValue<List<PeerAddress>> relayed = new LiveValue<>(List.of());

	/** The first and the longest wait before allocating again after a loss. */
	static final Duration REALLOCATE_FIRST = Duration.ofSeconds(1);
	static final Duration REALLOCATE_MAX = Duration.ofSeconds(60);

	private RSocketBinding(TransportSettings settings, Customizers customizers, TurnSettings turnSettings,
			List<InetSocketAddress> stunServers, PeerIdentity identity, PeerRequestHandler handler,
			CollaborationObserver observer) {
		this.settings = settings;
		this.customizers = customizers;
		this.turnSettings = turnSettings;
		List<InetSocketAddress> stun = new ArrayList<>(stunServers);
		if (turnSettings != null && !stun.contains(turnSettings.server())) {
			stun.add(turnSettings.server());
		}
		this.stunServers = List.copyOf(stun);
		this.observer = observer;
		this.identity = identity;
		this.handler = handler;
		this.codec = new PayloadCodec(settings.maxPayloadSize());
		this.serverTls = PeerTls.server(identity);
		this.clientTls = PeerTls.client(identity);
		this.inboundConnections = new InboundConnections(settings, expiries);
		TcpClient client = customizers.client().apply(TcpClient.newConnection()
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
						settings.connectTimeout().toMillis()))
				.secure(spec -> spec.sslContext(clientTls).handshakeTimeout(settings.connectTimeout())));
		keepsTls("TcpClient", client.configuration().sslProvider(), clientTls);
		this.tlsClient = client;
		// the servers the public address is checked against, in that order: a punch keeps the first that answers
		this.holePunch = new HolePunchUpgrade(this.stunServers, codec,
				settings.connectTimeout(), this::openPunched,
				(data, from) -> transport.servePunched(data, from, serverTls, backstop()));
	}

	/**
	 * A customizer may add to the Reactor Netty configuration (socket options, wiretap, metrics, handlers), never
	 * take the transport's TLS away or replace it: the pinned, mutually authenticated TLS 1.3 is the peer protocol.
	 *
	 * @throws IllegalStateException if the customized configuration has no TLS, or another {@link SslContext}
	 */
	private static void keepsTls(String what, SslProvider ssl, SslContext expected) {
		if (ssl == null || ssl.getSslContext() != expected) {
			throw new IllegalStateException("a " + what + " customizer of RSocketPeerTransport must keep the "
					+ "transport's TLS (mutual TLS 1.3 with pinned keys); it "
					+ (ssl == null ? "removed it" : "replaced it"));
		}
	}

	/**
	 * Starts the server.
	 *
	 * @return the binding once it listens; fails with {@link PeerCollabException} if it cannot bind, or
	 * {@link io.peercollab.PeerIdentityException} if the identity cannot be used for TLS
	 */
	public static Mono<TransportBinding> bind(TransportSettings settings, PeerIdentity identity,
			PeerRequestHandler handler) {
		return bind(settings, Customizers.NONE, null, identity, handler, CollaborationObserver.NOOP);
	}

	/**
	 * Starts the server, with the user's customizers, telling {@code observer} about connections, and, with a TURN
	 * server, allocates a relay there before emitting.
	 *
	 * @param turnSettings the TURN server, or {@code null} for none
	 * @return the binding once it listens (and holds its relay); fails as {@link #bind(TransportSettings,
	 * PeerIdentity, PeerRequestHandler)} does, with {@link IllegalStateException} if a customizer removed or replaced
	 * the transport's TLS, or with the TURN server's refusal
	 */
	public static Mono<TransportBinding> bind(TransportSettings settings, Customizers customizers,
			TurnSettings turnSettings, PeerIdentity identity, PeerRequestHandler handler,
			CollaborationObserver observer) {
		return bind(settings, customizers, turnSettings, List.of(), identity, handler, observer);
	}

	/**
	 * As {@link #bind(TransportSettings, Customizers, TurnSettings, PeerIdentity, PeerRequestHandler,
	 * CollaborationObserver)}, learning where this endpoint stands from {@code stunServers} (then the TURN server)
	 * before emitting.
	 *
	 * @param stunServers the STUN servers to check the public address against, in order (checked by the caller)
	 */
	public static Mono<TransportBinding> bind(TransportSettings settings, Customizers customizers,
			TurnSettings turnSettings, List<InetSocketAddress> stunServers, PeerIdentity identity,
			PeerRequestHandler handler, CollaborationObserver observer) {
		Objects.requireNonNull(stunServers, "stunServers");
		Objects.requireNonNull(settings, "settings");
		Objects.requireNonNull(customizers, "customizers");
		Objects.requireNonNull(identity, "identity");
		Objects.requireNonNull(handler, "handler");
		Objects.requireNonNull(observer, "observer");
		return Mono.fromCallable(() -> new RSocketBinding(settings, customizers, turnSettings, stunServers, identity,
						handler, observer))
				.flatMap(b -> b.start().flatMap(started -> {
					if (b.turnSettings == null) {
						// STUN only: where this endpoint stands is known when it emits
						return b.stunServers.isEmpty() ? Mono.just(started)
								: b.learnPublicAddress().thenReturn(started);
					}
					// where this endpoint stands is learnt while the relay is allocated, and known when it emits
					Mono<Void> stand = b.learnPublicAddress();
					return b.allocateRelay().then(stand).thenReturn(started)
							.onErrorResume(e -> !b.disposed.get() && !(e instanceof CredentialsRefused),
									e -> stand.then(b.withoutRelay(started, e)))
							.doOnError(e -> b.dispose());
				}));
	}

	/** Reported each time the check of this endpoint's public address finds something else than the last one. */
	static final Diagnostic.Kind PUBLIC_ADDRESS = Diagnostic.Kind.of("nat.PUBLIC_ADDRESS");

	/**
	 * How often the public address is checked again while the binding lives: it also refreshes the NAT's mapping of
	 * the listening port, which a NAT forgets after a few minutes without a new connection from it.
	 */
	static final Duration PUBLIC_ADDRESS_RECHECK = Duration.ofSeconds(60);

	/**
	 * Checks where this endpoint stands ({@link PublicAddressCheck}, against the STUN servers, then the TURN server),
	 * now and then
	 * every {@link #PUBLIC_ADDRESS_RECHECK}, publishing the reflexive address while the NAT lets anyone reach it.
	 *
	 * @return completes once the first check is done (it never fails); the later ones run until the binding is
	 *     disposed
	 */
	private Mono<Void> learnPublicAddress() {
		Mono<Void> first = checkPublicAddress().cache();
		first.subscribe(null, e -> { });
		// again every PUBLIC_ADDRESS_RECHECK, and at once when the host's interface addresses change: the first set
		// is the addresses now, and a replaced source's first set counts as a change if it differs
		Flux<Set<InetAddress>> interfaceChanges = interfaces.changes().switchMap(source -> source)
				.distinctUntilChanged()
				.skip(1);
		publicRecheck.update(Flux.merge(
						Flux.interval(PUBLIC_ADDRESS_RECHECK, PUBLIC_ADDRESS_RECHECK, Schedulers.parallel()),
						interfaceChanges)
				.onBackpressureDrop()
				.concatMap(tick -> checkPublicAddress(), 1)
				.subscribe(null, e -> log.debug("the public address checks of {} ended", identity.name(), e)));
		return first;
	}

	/**
	 * The host's interface addresses, the set now and then each change, to check the public address again when they
	 * change: the JVM's one poll of them by default ({@link InterfaceWatch#hostChanges()}, shared with the engine's
	 * port mapping and every other binding), replaced by tests.
	 */
	private final LiveValue<Flux<Set<InetAddress>>> interfaces = new LiveValue<>(InterfaceWatch.hostChanges());

	/** Every result of a check of the public address, as it comes. */
	private final Sinks.Many<PublicAddressCheck.Result> checks = Sinks.many().multicast().directBestEffort();

	/**
	 * Replaces where the host's interface addresses are read from: for tests, which change them without changing the
	 * machine's. This binding then reads {@code source} every {@link InterfaceWatch#PERIOD}, on its own, from now on
	 * (the change from the host's set to the new one counts as a change). Tests in other packages reach it through
	 * the test tree's {@code BindingInternals}.
	 *
	 * @param source the addresses now
	 */
	void interfaceSource(Supplier<Set<InetAddress>> source) {
		interfaces.set(InterfaceWatch.shared(Objects.requireNonNull(source, "source"), InterfaceWatch.PERIOD,
				Schedulers.parallel()));
	}

	/** @return every result of a check of the public address from now on (hot; for diagnostics and tests) */
	Flux<PublicAddressCheck.Result> publicAddressChecks() {
		return checks.asFlux();
	}

	/**
	 * One check of the public address: against each server in turn until one answers (a TCP mapping or a NAT
	 * behaviour), keeping the last result if none does; never fails.
	 */
	private Mono<Void> checkPublicAddress() {
		return Mono.defer(() -> {
			SecureServerTransport.ServerChannel s = server;
			if (disposed.get() || s == null || s.address().getAddress().isLoopbackAddress()) {
				return Mono.empty();
			}
			AtomicReference<Checked> last = new AtomicReference<>();
			return Flux.fromIterable(stunServers)
					.concatMap(stun -> PublicAddressCheck.check(s.address(), stun, settings.connectTimeout())
							.map(r -> new Checked(r, stun)), 1)
					.doOnNext(last::set)
					.filter(c -> c.result.tcpMapped().isPresent() || c.result.behaviour().isPresent())
					.next()
					.switchIfEmpty(Mono.fromSupplier(last::get))
					.doOnNext(this::stood).then();
		}).onErrorResume(e -> {
			log.debug("checking the public address of {} failed", identity.name(), e);
			return Mono.empty();
		});
	}

	/** What a check of the public address found, and which server it asked. */
	private record Checked(PublicAddressCheck.Result result, InetSocketAddress server) {
	}

	/** Keeps what a check found, publishes the reflexive address it allows, and reports a change. */
	private void stood(Checked checked) {
		PublicAddressCheck.Result result = checked.result;
		if (disposed.get()) {
			return;
		}
		PublicAddressCheck.Result before = stand;
		stand = result;
		checks.tryEmitNext(result);
		reflexive.set(result.publishable().<List<PeerAddress>>map(a -> List.of(TcpAddress.of(a))).orElse(List.of()));
		if (before == null || !before.tcpMapped().equals(result.tcpMapped())
				|| !before.publishable().equals(result.publishable())) {
			inboundConnections.report(PUBLIC_ADDRESS, "public address " + result.tcpMapped()
					.map(ErrorCodes::format).orElse("unknown") + ": " + result.why(), null,
					checked.server, null);
		}
	}

	/** Reported when a contact's {@code hello} says it sees this endpoint at another IP address, or says it badly. */
	static final Diagnostic.Kind OBSERVED_ADDRESS = Diagnostic.Kind.of("nat.OBSERVED_ADDRESS");

	/** Where the servers this binding connected to saw it, as their {@code hello} said: the latest. */
	private final ObservedAddress observed = new ObservedAddress();

	/**
	 * Reads the {@code observed} field of a server's {@code hello}: a valid one is kept and, when its IP address
	 * differs from the last one, reported; an invalid one is reported (naming the field) and ignored, the connection
	 * goes on.
	 */
	private void observedBy(PeerName server, InetSocketAddress dialled, Wire.Hello hello) {
		try {
			ObservedAddress.parse(hello.observed(), server).ifPresent(a -> {
				if (observed.report(server, a)) {
					inboundConnections.report(OBSERVED_ADDRESS, server + " sees this endpoint at "
							+ ErrorCodes.format(a), server, dialled, null);
				}
			});
		}
		catch (InvalidRequestException e) {
			inboundConnections.report(OBSERVED_ADDRESS, "ignored " + e.getMessage(), server, dialled, e);
		}
	}

	/**
	 * @return the address the latest server this binding connected to saw it at (its {@code hello}'s
	 *     {@code observed}), if one said
	 */
	Optional<InetSocketAddress> observedAddress() {
		return observed.latest().map(ObservedAddress.Report::address);
	}

	/**
	 * Where this endpoint stands on the Internet, from the best source there is: the STUN server's TCP mapping, else
	 * its UDP one, else what the latest contact saw.
	 *
	 * @return the public IP address, if any source knows it
	 */
	Optional<InetAddress> publicIpAddress() {
		PublicAddressCheck.Result r = stand;
		Optional<InetSocketAddress> stun = r == null ? Optional.empty()
				: r.tcpMapped().or(() -> r.behaviour().map(NatBehaviour::mappedAddress));
		return stun.or(this::observedAddress).map(InetSocketAddress::getAddress);
	}

	/** @return what the last check of the public address found, if one ran */
	Optional<PublicAddressCheck.Result> publicAddress() {
		return Optional.ofNullable(stand);
	}

	/** {@inheritDoc} Here: the listening port's address at a full-cone NAT, as the last check found it. */
	@Override
	public List<PeerAddress> reflexiveAddresses() {
		return reflexive.get();
	}

	/** {@inheritDoc} Here: the reflexive address as each check finds it; completes at dispose. */
	@Override
	public Flux<List<PeerAddress>> reflexiveAddressChanges() {
		return reflexive.changes();
	}

	/**
	 * The first allocation failed other than by refusing the credentials (the TURN server is down, unreachable, over
	 * its quota): the binding listens without a relay and emits; once it was emitted (so that whoever subscribes to its
	 * diagnostics on emission hears it), the failure is reported as {@link #RELAY_UNAVAILABLE} and the allocation is
	 * retried as after a loss, the relayed address published when it succeeds.
	 */
	private Mono<TransportBinding> withoutRelay(TransportBinding started, Throwable e) {
		return Mono.just(started).doFinally(signal -> {
			if (signal == reactor.core.publisher.SignalType.ON_COMPLETE && !disposed.get()) {
				InetSocketAddress server = turnSettings.server();
				inboundConnections.report(RELAY_UNAVAILABLE, "cannot allocate a TURN relay at "
						+ ErrorCodes.format(server) + ": " + e.getMessage() + "; listening without it, retrying", null,
						server, e);
				reallocate();
			}
		});
	}

	/**
	 * Allocates the relay and permits the TURN server's relay address (peers dialling through an allocation on the
	 * same server) and the configured addresses.
	 */
	private Mono<Void> allocateRelay() {
		TurnSettings t = turnSettings;
		return TurnClient.allocate(t.server(), t.credentials(java.time.Instant.now()), settings.connectTimeout(),
				(data, peer) -> transport.serveRelayed(data, peer, serverTls, backstop()), Schedulers.parallel())
				.flatMap(client -> {
					turn = client;
					if (disposed.get()) {
						client.close().subscribe(null, e -> { });
						return Mono.error(new PeerUnreachableException("disposed while allocating a relay"));
					}
					Set<InetAddress> permits = new java.util.LinkedHashSet<>();
					permits.add(client.relayedAddress().getAddress());
					permits.addAll(t.permitted());
					log.debug("{} relayed at {} through {}", identity.name(), client.relayedAddress(), t.server());
					client.onClose().subscribe(null, null, () -> relayLost(client));
					// told once the permissions are in: a peer that dials it at once is admitted
					return Flux.fromIterable(permits).concatMap(client::permit).then(Mono.fromRunnable(() -> {
						if (turn == client && !client.isClosed()) {
							relayed.set(List.of(new RelayedAddress(TcpAddress.of(client.relayedAddress()))));
						}
					}));
				});
	}

	/**
	 * The allocation went away without this binding closing it (its refresh failed, the TURN server closed the
	 * control connection): report it and allocate again, backing off from 1 s to 60 s, until it works, the server
	 * refuses the credentials, or the binding is disposed.
	 */
	private void relayLost(TurnClient lost) {
		if (disposed.get() || turn != lost) {
			return;
		}
		InetSocketAddress server = turnSettings.server();
		relayed.set(List.of());
		inboundConnections.report(RELAY_LOST, "the TURN allocation " + ErrorCodes.format(lost.relayedAddress())
				+ " at " + ErrorCodes.format(server) + " is gone; allocating again", null, server, null);
		reallocate();
	}

	/**
	 * Allocates again, backing off from 1 s to 60 s, until it works, the server refuses the credentials, or the binding
	 * is disposed.
	 */
	private void reallocate() {
		InetSocketAddress server = turnSettings.server();
		reallocation.update(Mono.defer(this::allocateRelay)
				.retryWhen(reactor.util.retry.Retry.backoff(Long.MAX_VALUE, REALLOCATE_FIRST)
						.maxBackoff(REALLOCATE_MAX)
						.filter(e -> !disposed.get()
								&& !(e instanceof io.peercollab.internal.nat.TurnException.CredentialsRefused)))
				.subscribe(null, e -> {
					if (!disposed.get()) {
						inboundConnections.report(RELAY_LOST, "cannot allocate a TURN relay at "
								+ ErrorCodes.format(server) + " again: " + e.getMessage(), null, server, e);
					}
				}));
	}

	/**
	 * @return the address peers reach this binding at through its TURN relay, if it has one
	 */
	public Optional<RelayedAddress> relayedAddress() {
		TurnClient t = turn;
		return t == null || t.isClosed() ? Optional.empty()
				: Optional.of(new RelayedAddress(TcpAddress.of(t.relayedAddress())));
	}

	/** {@inheritDoc} Here: the relayed address at the TURN server, while the allocation lives. */
	@Override
	public List<PeerAddress> relayedAddresses() {
		return relayedAddress().<List<PeerAddress>>map(List::of).orElse(List.of());
	}

	/**
	 * {@inheritDoc} Here: the TURN allocation's relayed address once it is made, none while it is lost or could not be
	 * made, and the new one once it is made again.
	 */
	@Override
	public Flux<List<PeerAddress>> relayedAddressChanges() {
		return relayed.changes();
	}

	/**
	 * @return the hole punching of this binding: whether a peer is reached over a punched connection, and each
	 *     attempt's outcome. Tests in other packages reach it through the test tree's {@code BindingInternals}.
	 */
	HolePunchUpgrade holePunch() {
		return holePunch;
	}

	/**
	 * Opens a connection of its own to {@code expected} at a direct {@code address}, not shared with
	 * {@link #connect}'s callers: a second connection to a peer, for what {@link #moveStreams} does with a punched one.
	 *
	 * @return the connection, once the server answered its {@code hello}
	 */
	public Mono<PeerConnection> connectSeparately(PeerName expected, TcpAddress address) {
		InetSocketAddress socket = address.socketAddress();
		Key key = new Key(expected, socket, false);
		return open(key).doOnNext(c -> {
			c.movable();
			outbound.add(c);
			c.onClose().subscribe(null, e -> outbound.remove(c), () -> outbound.remove(c));
		}).cast(PeerConnection.class);
	}

	/**
	 * Moves the requests and streams of {@code from} to {@code to}, two connections of this binding to the same peer,
	 * as a successful hole punch moves a relayed connection's: new requests take {@code to}, open sessions re-attach on
	 * it and follows follow again there, with nothing lost or repeated, and {@code from} closes once nothing is left
	 * on it. Its path then reads {@code HOLE_PUNCHED}.
	 *
	 * @throws IllegalArgumentException if they are not connections of this transport to the same peer
	 */
	public void moveStreams(PeerConnection from, PeerConnection to) {
		if (!(from instanceof RSocketPeerConnection f) || !(to instanceof RSocketPeerConnection t)
				|| !f.remote().equals(t.remote()) || f == t) {
			throw new IllegalArgumentException("moveStreams takes two connections of this transport to one peer");
		}
		f.moveTo(t);
	}

	/**
	 * One move of a session from a connection to another, as the end that moved it saw it.
	 *
	 * @param took from the re-attachment's request to the other end's first frame on the new connection
	 * @param unacknowledged the frames sent and not yet acknowledged when it started: in flight, or not yet read
	 * @param sentAgain the frames sent again on the new connection
	 */
	public record SessionMove(Duration took, long unacknowledged, long sentAgain) {
	}

	/** @return the moves of the sessions that {@code from} opened, oldest first (the last 64) */
	public List<SessionMove> sessionMoves(PeerConnection from) {
		return from instanceof RSocketPeerConnection c ? c.sessionMoves() : List.of();
	}

	/** @return how many sessions callers of this end can re-attach now (PROTOCOL.md 5.8.1) */
	public int resumableSessions() {
		return sessionResumes.size();
	}

	/** @return the TURN allocation, or {@code null}: for tests */
	public TurnClient turnClient() {
		return turn;
	}

	private Mono<TransportBinding> start() {
		TcpServer tcp = TcpServer.create()
				.host(settings.host())
				.port(settings.port())
				// timeToFirstStream, counted from the accept, closes a slow handshake first and reports it
				.secure(spec -> spec.sslContext(serverTls).handshakeTimeout(backstop()));
		if (!stunServers.isEmpty()) {
			// the public address check sends a STUN binding from the listening port itself; the server runs on the
			// native transport where Reactor Netty has one (epoll), whose channels take Netty's own option
			tcp = tcp.option(ChannelOption.SO_REUSEADDR, true)
					.option(reactor.netty.resources.LoopResources.hasNativeSupport()
							? io.netty.channel.unix.UnixChannelOption.SO_REUSEPORT
							: io.netty.channel.socket.nio.NioChannelOption.of(
									java.net.StandardSocketOptions.SO_REUSEPORT), true);
		}
		tcp = customizers.server().apply(tcp);
		keepsTls("TcpServer", tcp.configuration().sslProvider(), serverTls);
		transport = new SecureServerTransport(tcp, settings.maxFrameLength(), inboundConnections);
		return RSocketServer.create(this::accept)
				.interceptors(customizers.interceptors())
				.payloadDecoder(PayloadDecoder.ZERO_COPY)
				.maxInboundPayloadSize(settings.maxFrameLength())
				.maxTimeToFirstFrame(backstop())
				.bind(transport)
				.onErrorMap(e -> !(e instanceof PeerCollabException), e -> new PeerCollabException(
						"Cannot listen at " + IpLiterals.toString(InetSocketAddress.createUnresolved(settings.host(),
								settings.port())) + ": " + e.getMessage(), e))
				.map(channel -> {
					server = channel;
					log.debug("{} listening at {}", identity.name(), channel.address());
					return this;
				});
	}

	/** RSocket's and Reactor Netty's own deadlines, kept behind timeToFirstStream so that it fires first. */
	private Duration backstop() {
		return settings.timeToFirstStream().plusSeconds(1);
	}

	@Override
	public PeerAddress address() {
		return TcpAddress.of(server.address());
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Here: unknown routes, wrong interaction models, undecodable and oversized payloads and the stream limit
	 * ({@code REJECTED_REQUEST}); refused SETUPs, connections over {@code maxConnections} or
	 * {@code maxConnectionsPerSource}, and connections without a stream within {@code timeToFirstStream}
	 * ({@code REJECTED_CONNECTION}).
	 */
	@Override
	public Flux<Diagnostic> diagnostics() {
		return inboundConnections.diagnostics();
	}

	/** @return how many inbound connections this server holds now, for tests */
	public int inboundConnectionCount() {
		return inboundConnections.held();
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Concurrent callers for the same name and address share one connect; a connection that closed (idle, lost,
	 * disposed) is forgotten, and the next call opens a new one. The connect is confirmed by the server before the
	 * connection is emitted, so a rejected SETUP fails here, as the exception type the server named (for example
	 * {@link io.peercollab.LimitExceededException} for {@code maxConnectionsPerPeer}).
	 */
	@Override
	public Mono<PeerConnection> connect(PeerName expected, PeerAddress address) {
		InetSocketAddress socket = dialable(expected, address);
		if (socket == null) {
			return undialable(expected, address);
		}
		Key key = new Key(expected, socket, relayedByUs(address));
		if (address instanceof RelayedAddress) {
			// new streams take the hole-punched connection once there is one; a relayed one tries to become it
			return Mono.defer(() -> {
				RSocketPeerConnection punched = holePunch.direct(expected);
				return punched != null ? Mono.just(punched) : shared(key, true).doOnNext(holePunch::offer);
			}).cast(PeerConnection.class);
		}
		return Mono.defer(() -> shared(key, true)).cast(PeerConnection.class);
	}

	/**
	 * How long a relayed address waits while a peer's direct ones are dialled: a direct connection that answers
	 * within it is preferred to the relay (which every byte would cross); past it, or once every direct dial failed,
	 * the relay is dialled too and the first connection that proves the key wins.
	 */
	static final Duration RELAYED_DIAL_DELAY = Duration.ofSeconds(1);

	/** {@inheritDoc} Here: {@link #RELAYED_DIAL_DELAY} for a relayed address, none for a direct one. */
	@Override
	public Duration dialDelay(PeerAddress address) {
		return address instanceof RelayedAddress ? RELAYED_DIAL_DELAY : Duration.ZERO;
	}

	/**
	 * @return the socket address to dial (a relayed address's at the relay), or {@code null} if {@code address} is of
	 * a kind this transport cannot dial
	 */
	private static InetSocketAddress dialable(PeerName expected, PeerAddress address) {
		Objects.requireNonNull(expected, "expected");
		Objects.requireNonNull(address, "address");
		if (address instanceof RelayedAddress relayed) {
			return relayed.relay().socketAddress();
		}
		return address instanceof TcpAddress tcp ? tcp.socketAddress() : null;
	}

	/** @return whether to dial {@code address} through this binding's own allocation: a relayed one, with a relay */
	private boolean relayedByUs(PeerAddress address) {
		TurnClient t = turn;
		return address instanceof RelayedAddress && t != null && !t.isClosed();
	}

	private static <T> Mono<T> undialable(PeerName expected, PeerAddress address) {
		return Mono.error(new PeerUnreachableException("cannot reach " + expected + " at " + address
				+ ": this transport dials tcp addresses, not " + address.scheme() + " ones"));
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Here: an open (or opening) shared connection to that name and address is the proof. Otherwise a connection
	 * of its own is opened (TLS with the pinned key, SETUP, {@code hello}) and closed as soon as the server answered;
	 * it is never shared, so no caller can be using it, and its close is not a loss. Completes empty either way:
	 * liveness comes from {@link #probe} and {@link #connectionsLost()}.
	 */
	@Override
	public Mono<PeerConnection> verify(PeerName expected, PeerAddress peerAddress) {
		InetSocketAddress address = dialable(expected, peerAddress);
		if (address == null) {
			return undialable(expected, peerAddress);
		}
		Key key = new Key(expected, address, relayedByUs(peerAddress));
		return Mono.defer(() -> {
			if (disposed.get()) {
				return Mono.error(new PeerUnreachableException(
						"Cannot verify " + expected + ": this transport binding is disposed"));
			}
			Mono<RSocketPeerConnection> entry = connections.get(key);
			Mono<RSocketPeerConnection> proof = entry == null ? proveOnce(key)
					: entry.flatMap(c -> c.isDisposed() ? proveOnce(key) : Mono.just(c));
			return proof.then(Mono.<PeerConnection>empty());
		});
	}

	/** @return a connection of its own that proved the key, closed again once it did */
	private Mono<RSocketPeerConnection> proveOnce(Key key) {
		return open(key).doOnNext(RSocketPeerConnection::dispose);
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Here: a plain TCP connect, closed with a reset as soon as it is established: no TLS, no SETUP, nothing
	 * left in {@code TIME_WAIT}. The server admits it and releases it at the reset, before any TLS work and without a
	 * report (its time to first stream never runs out). A refused connect fails at once, one nobody answers after
	 * {@code connectTimeout}.
	 */
	@Override
	public Mono<Void> probe(PeerName expected, PeerAddress peerAddress) {
		InetSocketAddress address = dialable(expected, peerAddress);
		if (address == null) {
			return undialable(expected, peerAddress);
		}
		Key key = new Key(expected, address, false);
		return Mono.defer(() -> {
			if (disposed.get()) {
				return Mono.error(new PeerUnreachableException(
						"Cannot probe " + expected + ": this transport binding is disposed"));
			}
			int timeout = (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis());
			return TcpClient.newConnection()
					.remoteAddress(() -> address)
					.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout)
					.option(ChannelOption.SO_LINGER, 0)
					.connect()
					.doOnNext(reactor.netty.Connection::dispose)
					.then()
					.timeout(settings.connectTimeout())
					.onErrorMap(e -> connectError(e, key));
		});
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Here: a shared connection that closed without this binding closing it (idle or disposed), and a shared
	 * connect that failed with {@link PeerUnreachableException}.
	 */
	@Override
	public Flux<PeerName> connectionsLost() {
		return lost.asFlux();
	}

	private void lost(PeerName name) {
		if (!disposed.get()) {
			// emitted from several event loops at once: retry briefly rather than drop a loss
			try {
				lost.emitNext(name, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
			}
			catch (RuntimeException e) {
				log.debug("could not tell that the connection to {} was lost", name, e);
			}
		}
	}

	@Override
	public Mono<Void> onDispose() {
		return onDispose.asMono();
	}

	@Override
	public boolean isDisposed() {
		return disposed.get();
	}

	/** How long {@link #close()} waits for each connection's round trip before closing it anyway. */
	static final Duration CLOSE_FLUSH_WAIT = Duration.ofSeconds(1);

	/**
	 * Sends one request-response on every open connection, both ways, and waits for its answer (or error) before
	 * disposing: frames on a connection are delivered in order, so once the answer is back, everything sent before it
	 * (an invitation's answer, a sign-out notice) has been read by the other side. A peer that does not answer within
	 * {@link #CLOSE_FLUSH_WAIT} is closed anyway. A client of this transport has no responder, so its answer to the
	 * server's request is an error frame: as good a proof.
	 *
	 * <p>Before that, sessions that are ending (the engine ends its sessions before it closes the transport) are given
	 * up to {@link #CLOSE_FLUSH_WAIT} to exchange their ends of frames and acknowledgements (PROTOCOL.md 5.8.1), so
	 * that the other side's session completes, as after a goodbye, instead of failing as after a crash.
	 */
	@Override
	public Mono<Void> close() {
		return Mono.defer(() -> {
			List<Mono<Void>> sessions = new ArrayList<>();
			sessions.add(sessionResumes.ended());
			outbound.forEach(c -> sessions.add(c.sessionsEnded()));
			return Mono.when(sessions).timeout(CLOSE_FLUSH_WAIT, Mono.empty()).onErrorResume(e -> Mono.empty())
					.then(Mono.defer(this::flushAndDispose));
		});
	}

	private Mono<Void> flushAndDispose() {
		List<RSocket> open = new ArrayList<>(inbound);
		outbound.forEach(c -> open.add(c.rsocket()));
		return Flux.fromIterable(open)
				.flatMap(r -> Mono.defer(() -> r.requestResponse(codec.request(Route.HELLO, null)))
						.doOnNext(io.rsocket.Payload::release)
						.then()
						.timeout(CLOSE_FLUSH_WAIT, Mono.empty())
						.onErrorResume(e -> Mono.empty()))
				.then(Mono.fromRunnable(this::dispose))
				.then(onDispose());
	}

	/**
	 * Closes the server and every connection, inbound and outbound; {@link #onDispose()} completes once all are
	 * closed. Idempotent.
	 */
	@Override
	public void dispose() {
		if (!disposed.compareAndSet(false, true)) {
			return;
		}
		List<Mono<Void>> closing = new ArrayList<>();
		SecureServerTransport.ServerChannel s = server;
		if (s != null) {
			s.dispose();
			closing.add(s.onClose());
		}
		for (RSocketPeerConnection c : outbound) {
			c.dispose();
			closing.add(c.onClose());
		}
		for (RSocket r : inbound) {
			r.dispose();
			closing.add(r.onClose());
		}
		reallocation.dispose();
		publicRecheck.dispose();
		interfaces.close();
		relayed.close();
		reflexive.close();
		holePunch.dispose();
		TurnClient t = turn;
		if (t != null) {
			// deallocates, bounded by the request timeout
			closing.add(t.close());
		}
		connections.clear();
		lost.tryEmitComplete();
		Mono.whenDelayError(closing).doFinally(signal -> {
			inboundConnections.complete();
			expiries.dispose();
		})
				.subscribe(null, e -> onDispose.tryEmitEmpty(), onDispose::tryEmitEmpty);
	}

	private Mono<RSocketPeerConnection> shared(Key key, boolean retryIfClosed) {
		if (disposed.get()) {
			return Mono.error(new PeerUnreachableException(
					"Cannot connect to " + key.name + ": this transport binding is disposed"));
		}
		AtomicReference<Mono<RSocketPeerConnection>> self = new AtomicReference<>();
		Mono<RSocketPeerConnection> entry = connections.computeIfAbsent(key, k -> {
			// cache(): every caller shares this one connect, which runs to its end even if they all cancel
			Mono<RSocketPeerConnection> m = open(k).doOnNext(c -> track(k, self.get(), c))
					.doOnError(e -> {
						connections.remove(k, self.get());
						if (e instanceof PeerUnreachableException) {
							lost(k.name);
						}
					})
					.cache();
			self.set(m);
			return m;
		});
		return entry.flatMap(c -> {
			if (!c.isDisposed()) {
				return Mono.just(c);
			}
			connections.remove(key, entry);
			return retryIfClosed ? shared(key, false) : Mono.error(new PeerUnreachableException(
					"The connection to " + key.name + " at " + ErrorCodes.format(key.address) + " closed at once"));
		});
	}

	private void track(Key key, Mono<RSocketPeerConnection> entry, RSocketPeerConnection c) {
		outbound.add(c);
		c.onClose().subscribe(null, null, () -> {
			connections.remove(key, entry);
			outbound.remove(c);
			if (!c.closedHere()) {
				lost(key.name);
			}
		});
		if (disposed.get()) {
			// disposed while connecting: dispose() has not seen this connection
			c.dispose();
		}
	}

	private Mono<RSocketPeerConnection> open(Key key) {
		TcpClient tcp = tlsClient.remoteAddress(() -> key.address);
		TurnClient relay = turn;
		// through our relay: a Connect from the allocation, then the same TLS client handshake on the relayed stream
		PinnedClientTransport client = key.relayed && relay != null
				? new PinnedClientTransport(relay.connect(key.address, this::installClientTls), key.name, key.address,
						settings.maxFrameLength())
				: new PinnedClientTransport(tcp, key.name, key.address, settings.maxFrameLength());
		return open(key, client);
	}

	/**
	 * The same TLS client handshake, pin check, SETUP and hello on a hole-punched TCP connection, which this binding
	 * then holds and closes as any outbound connection (it is not shared under a key: {@link HolePunchUpgrade} hands
	 * it out).
	 */
	private Mono<RSocketPeerConnection> openPunched(Connection data, PeerName expected) {
		installClientTls(data);
		InetSocketAddress to = (InetSocketAddress) data.channel().remoteAddress();
		return open(new Key(expected, to, false), new PinnedClientTransport(Mono.just(data), expected, to,
				settings.maxFrameLength()))
				.doOnError(e -> data.dispose())
				.doOnNext(c -> {
					// what the server's hello says is about the socket; this one was punched through the NATs
					c.pathChanged(ConnectionPath.HOLE_PUNCHED);
					outbound.add(c);
					c.onClose().subscribe(null, e -> outbound.remove(c), () -> outbound.remove(c));
					if (disposed.get()) {
						c.dispose();
					}
				});
	}

	private Mono<RSocketPeerConnection> open(Key key, PinnedClientTransport client) {
		return RSocketConnector.create()
				.interceptors(customizers.interceptors())
				.dataMimeType(PayloadCodec.DATA_MIME_TYPE)
				.metadataMimeType(PayloadCodec.METADATA_MIME_TYPE)
				.keepAlive(settings.keepAliveInterval(), settings.keepAliveMaxLifeTime())
				.payloadDecoder(PayloadDecoder.ZERO_COPY)
				.maxInboundPayloadSize(settings.maxFrameLength())
				.connect(client)
				.flatMap(rsocket -> hello(rsocket, key).doOnError(e -> rsocket.dispose()).doOnCancel(rsocket::dispose)
						.doOnNext(hello -> observedBy(key.name, key.address, hello))
						.map(hello -> pathOf(new RSocketPeerConnection(rsocket, key.name, key.address, codec,
								settings.idleTimeout(), hello.instance() != null ? hello.instance()
										: key.address.toString(), expiries), key, hello)))
				.timeout(settings.connectTimeout())
				.onErrorMap(e -> connectError(e, key))
				.doOnNext(c -> observeOpened(c.remote(), TcpAddress.of(key.address), Direction.OUTBOUND, c.onClose(),
						c.pathChanges()))
				.doOnError(e -> observer.connectFailed(key.name, TcpAddress.of(key.address), e));
	}

	/** @return {@code c}, knowing its path: through our relay, or as the server's {@code hello} tells */
	private RSocketPeerConnection pathOf(RSocketPeerConnection c, Key key, Wire.Hello hello) {
		c.pathChanged(ConnectionPaths.path(key.relayed, key.address, hello));
		c.serverNumbersSessions(hello.numbersSessionFrames());
		c.reportFollowsNotMoved((message, cause) -> inboundConnections.report(FOLLOW_NOT_MOVED, message, c.remote(),
				key.address, cause));
		return c;
	}

	/** Tells the observer that a connection opened, its path and each change of it, and later that it closed. */
	private void observeOpened(PeerName remote, PeerAddress address, Direction direction, Mono<Void> onClose,
			Flux<ConnectionPath> paths) {
		if (observer == CollaborationObserver.NOOP) {
			return;
		}
		long opened = System.nanoTime();
		observer.connectionOpened(remote, address, direction);
		paths.subscribe(path -> observer.connectionPath(remote, address, direction, path), e -> { });
		onClose.doFinally(s -> observer.connectionClosed(remote, address, direction,
				Duration.ofNanos(System.nanoTime() - opened))).subscribe(null, e -> { });
	}

	/**
	 * RSocket has no answer to SETUP; the server's answer to this first request is the proof that it accepted the
	 * connection, and its rejection (such as {@code maxConnectionsPerPeer}) arrives as this request's error.
	 */
	private Mono<Wire.Hello> hello(RSocket rsocket, Key key) {
		// the address dialled (not through a relay), so that a server behind a NAT sees a forwarded connection
		Wire.HelloRequest request = key.relayed || key.address.isUnresolved() ? null
				: new Wire.HelloRequest(IpLiterals.toString(key.address));
		return Mono.defer(() -> rsocket.requestResponse(codec.request(Route.HELLO, request)))
				.map(p -> PayloadCodec.decode(codec.receive(p).data(), Wire.Hello.class, h -> h,
						Route.HELLO + " response from " + key.name));
	}

	private Throwable connectError(Throwable e, Key key) {
		String where = key.name + " at " + ErrorCodes.format(key.address);
		if (e instanceof PeerCollabException) {
			return e;
		}
		if (e instanceof TimeoutException) {
			return new PeerUnreachableException("Could not connect to " + where + " within "
					+ settings.connectTimeout().toMillis() + " ms", e);
		}
		if (e instanceof RejectedSetupException r) {
			return ErrorCodes.fromSetupRejection(r.getMessage(), key.name, key.address);
		}
		for (Throwable t = e; t != null; t = t.getCause()) {
			if (t instanceof PeerTls.NotAPeerCertificateException) {
				return new PeerIdentityMismatchException(
						"Expected " + where + ", but the peer there presented a " + t.getMessage(), e);
			}
		}
		for (Throwable t = e; t != null; t = t.getCause()) {
			if (t instanceof SSLException) {
				return new PeerUnreachableException("The TLS handshake with " + where + " failed: " + t.getMessage(),
						e);
			}
		}
		if (e instanceof ClosedChannelException) {
			// TLS 1.3: a server that refuses our certificate closes the connection after our side of the handshake
			// completed, so this is all we learn
			return new PeerUnreachableException(where + " closed the connection before accepting it; it may not "
					+ "accept this endpoint's certificate (" + identity.name() + ")", e);
		}
		return new PeerUnreachableException("Could not connect to " + where + ": "
				+ ErrorCodes.connectFailure(e, key.address), e);
	}

	private Mono<RSocket> accept(ConnectionSetupPayload setup, RSocket sendingSocket) {
		return Mono.deferContextual(ctx -> {
			InboundConnections.Connection connection = ctx.get(SecureServerTransport.CONNECTION);
			PeerName caller;
			try {
				caller = PeerTls.peerName(ctx.<SSLSession>get(SecureServerTransport.SSL_SESSION));
			}
			catch (SSLPeerUnverifiedException | RuntimeException e) {
				// ClientAuth.REQUIRE makes this unreachable; kept so a configuration mistake cannot let anyone in
				return reject(connection, ErrorCodes.NOT_AUTHORIZED, "no verified client certificate: "
						+ e.getMessage());
			}
			connection.peer = caller;
			if (!PayloadCodec.DATA_MIME_TYPE.equals(setup.dataMimeType())) {
				return reject(connection, ErrorCodes.INVALID_REQUEST,
						"data MIME type must be " + PayloadCodec.DATA_MIME_TYPE + ", was " + setup.dataMimeType());
			}
			if (!PayloadCodec.METADATA_MIME_TYPE.equals(setup.metadataMimeType())) {
				return reject(connection, ErrorCodes.INVALID_REQUEST, "metadata MIME type must be "
						+ PayloadCodec.METADATA_MIME_TYPE + ", was " + setup.metadataMimeType());
			}
			if (setup.keepAliveInterval() < TransportSettings.MIN_KEEPALIVE_INTERVAL.toMillis()
					|| setup.keepAliveInterval() > TransportSettings.MAX_KEEPALIVE_INTERVAL.toMillis()
					|| setup.keepAliveMaxLifetime() > TransportSettings.MAX_KEEPALIVE_LIFETIME.toMillis()) {
				return reject(connection, ErrorCodes.INVALID_REQUEST, "keepalive interval must be between "
						+ TransportSettings.MIN_KEEPALIVE_INTERVAL.toMillis() + " ms and "
						+ TransportSettings.MAX_KEEPALIVE_INTERVAL.toMillis() + " ms and max lifetime at most "
						+ TransportSettings.MAX_KEEPALIVE_LIFETIME.toMillis() + " ms, were " + setup.keepAliveInterval()
						+ " ms and " + setup.keepAliveMaxLifetime() + " ms");
			}
			if (disposed.get()) {
				return reject(connection, ErrorCodes.PEER_UNREACHABLE, identity.name() + " is shutting down");
			}
			if (!acquireConnection(caller)) {
				return reject(connection, ErrorCodes.LIMIT_EXCEEDED, "maxConnectionsPerPeer ("
						+ settings.maxConnectionsPerPeer() + ") reached: " + caller + " already has " + settings.maxConnectionsPerPeer()
						+ " connections open to " + identity.name());
			}
			inbound.add(sendingSocket);
			sendingSocket.onClose().doFinally(s -> {
				connection.pathsEnd();
				inbound.remove(sendingSocket);
				releaseConnection(caller);
			}).subscribe(null, e -> { });
			if (disposed.get()) {
				sendingSocket.dispose();
			}
			log.debug("{} accepted a connection from {}", identity.name(), caller);
			if (connection.address != null) {
				observeOpened(caller, TcpAddress.of(connection.address), Direction.INBOUND, sendingSocket.onClose(),
						connection.paths(ConnectionPaths.accepted(connection)));
			}
			return Mono.just(new PeerResponder(caller, sendingSocket, handler, codec,
					settings.maxInboundStreamsPerConnection(), instance, connection).punchedBy(holePunch).resumesIn(sessionResumes));
		});
	}

	private static Mono<RSocket> reject(InboundConnections.Connection connection, ErrorCodes code, String message) {
		connection.report(Diagnostic.Kind.REJECTED_CONNECTION, "refused a SETUP: " + message,
				code.create(message));
		return Mono.error(new RejectedSetupException(ErrorCodes.setupRejection(code, message)));
	}

	private boolean acquireConnection(PeerName caller) {
		boolean[] acquired = { false };
		connectionsPerPeer.compute(caller, (k, n) -> {
			int count = n == null ? 0 : n;
			if (count >= settings.maxConnectionsPerPeer()) {
				return n;
			}
			acquired[0] = true;
			return count + 1;
		});
		return acquired[0];
	}

	private void releaseConnection(PeerName caller) {
		connectionsPerPeer.computeIfPresent(caller, (k, n) -> n <= 1 ? null : n - 1);
	}

	/** Puts the TLS client on a relayed data connection, before any relayed byte is read. */
	private void installClientTls(Connection data) {
		SslHandler ssl = clientTls.newHandler(data.channel().alloc());
		ssl.setHandshakeTimeoutMillis(settings.connectTimeout().toMillis());
		data.addHandlerLast(SecureServerTransport.RELAYED_TLS, ssl);
	}

	/**
	 * @param relayed whether the connection goes through this binding's own TURN allocation (a Connect) rather than
	 * straight to {@code address}
	 */
	private record Key(PeerName name, InetSocketAddress address, boolean relayed) {
	}
}
