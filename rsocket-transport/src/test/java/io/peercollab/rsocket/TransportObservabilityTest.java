// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelOption;
import io.netty.handler.logging.LogLevel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.peercollab.CollaborationObserver;
import io.peercollab.CollaborationSession;
import io.peercollab.Diagnostic;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.NoPeersDiscovery;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.RecordingObserver;
import io.peercollab.SessionMessage;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.micrometer.MicrometerCollaborationObserver;
import io.peercollab.spi.TransportBinding;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.plugins.RSocketInterceptor;
import io.rsocket.util.RSocketProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.SslProvider;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Observability over the real wire (RSocket, TLS 1.3, loopback): the Micrometer binding's meters after a real
 * invitation and session, the connection events, the inviter's Reactor {@code Context} reaching RSocket interceptors,
 * and the Reactor Netty customizers, which reach the server and client but cannot take the mutual TLS away.
 */
class TransportObservabilityTest {

	private static final Duration WAIT = TestPeers.TIMEOUT;
	private static final String TRACE = "trace-id";
	private static final PeerApplication WHITEBOARD = PeerApplication.of(
			UUID.fromString("5a8e0f3c-2b1d-4c6e-9f7a-1d3b5c7e9a20"), "Whiteboard", PeerScope.ALL);

	private final PeerIdentity alice = TestPeers.identity("alice", KeyType.ED25519);
	private final PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
	private final List<PeerCollaboration> open = new ArrayList<>();
	private final List<TransportBinding> bindings = new ArrayList<>();

	@AfterEach
	void closeEverything() {
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
		bindings.forEach(TestPeers::dispose);
	}

	private PeerCollaboration endpoint(PeerIdentity id, RSocketPeerTransport transport,
			CollaborationObserver observer) {
		PeerCollaboration c = PeerCollaboration.builder().identity(id).transport(transport)
				.discovery(new NoPeersDiscovery()).observer(observer).build();
		open.add(c);
		c.signIn(PeerScope.ALL).block(WAIT);
		return c;
	}

	/** Waits for a condition that the event loops make true, by polling: a signal with a timeout, not a sleep. */
	private static void awaitTrue(String what, BooleanSupplier condition) {
		Flux.interval(Duration.ofMillis(5)).filter(t -> condition.getAsBoolean()).blockFirst(WAIT);
		assertThat(condition.getAsBoolean()).as(what).isTrue();
	}

	/** Bob registers the whiteboard and accepts the first invitation; Alice invites him with a trace in her context. */
	private static CollaborationSession[] acceptedSession(PeerCollaboration a, PeerCollaboration b, String trace) {
		b.registerApplication(WHITEBOARD).block(WAIT);
		Mono<CollaborationSession> bobSide = b.invitations().next().flatMap(Invitation::accept).cache();
		bobSide.subscribe();
		InvitationResponse r = a.peer(b.name(), b.endPoints().get(0)).invite(WHITEBOARD, "", null)
				.contextWrite(Context.of(TRACE, trace)).block(WAIT);
		assertThat(r.status()).isEqualTo(InvitationStatus.ACCEPTED);
		return new CollaborationSession[] { r.session().orElseThrow(), bobSide.block(WAIT) };
	}

	@Test
	void aRealInvitationAndSessionShowAsMicrometerMetersOnBothEndpoints() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		Tags atAlice = Tags.of("endpoint", "alice");
		Tags atBob = Tags.of("endpoint", "bob");
		PeerCollaboration a = endpoint(alice, TestPeers.loopback(),
				new MicrometerCollaborationObserver(registry, atAlice));
		PeerCollaboration b = endpoint(bob, TestPeers.loopback(), new MicrometerCollaborationObserver(registry, atBob));

		CollaborationSession[] session = acceptedSession(a, b, "t-1");
		CollaborationSession host = session[0];
		CollaborationSession member = session[1];
		Mono<SessionMessage> atMember = member.receive().next().cache();
		atMember.subscribe();
		host.send("hello".getBytes(StandardCharsets.UTF_8)).block(WAIT);
		assertThat(atMember.block(WAIT).data()).hasSize(5);

		assertThat(registry.get("peercollab.invitations.sent").tags(atAlice).counter().count()).isEqualTo(1);
		assertThat(registry.get("peercollab.invitations.response.time").tags(atAlice).tag("outcome", "accepted")
				.timer().count()).isEqualTo(1);
		assertThat(registry.get("peercollab.invitations.received").tags(atBob).counter().count()).isEqualTo(1);
		assertThat(registry.get("peercollab.invitations.answer.time").tags(atBob).tag("outcome", "accepted")
				.timer().count()).isEqualTo(1);
		assertThat(registry.get("peercollab.connections.opened").tags(atAlice).tag("direction", "outbound")
				.counter().count()).isGreaterThanOrEqualTo(1);
		assertThat(registry.get("peercollab.connections.active").tags(atAlice).tag("direction", "outbound")
				.gauge().value()).isGreaterThanOrEqualTo(1);
		awaitTrue("bob counted alice's inbound connection", () -> registry.get("peercollab.connections.active")
				.tags(atBob).tag("direction", "inbound").gauge().value() >= 1);
		assertThat(registry.get("peercollab.sessions.active").tags(atAlice).gauge().value()).isEqualTo(1);
		assertThat(registry.get("peercollab.sessions.active").tags(atBob).gauge().value()).isEqualTo(1);
		assertThat(registry.get("peercollab.sessions.data.sent").tags(atAlice).summary().count()).isEqualTo(1);
		assertThat(registry.get("peercollab.sessions.data.sent").tags(atAlice).summary().totalAmount()).isEqualTo(5);
		assertThat(registry.get("peercollab.sessions.data.received").tags(atBob).summary().totalAmount()).isEqualTo(5);

		host.dispose();
		awaitTrue("both sessions closed", () -> registry.get("peercollab.sessions.active").tags(atAlice).gauge()
				.value() == 0 && registry.get("peercollab.sessions.active").tags(atBob).gauge().value() == 0);
		a.close().block(WAIT);
		awaitTrue("alice's connections closed", () -> registry.get("peercollab.connections.active").tags(atAlice)
				.tag("direction", "outbound").gauge().value() == 0);
		assertThat(registry.get("peercollab.connections.duration").tags(atAlice).tag("direction", "outbound")
				.timer().count()).isGreaterThanOrEqualTo(1);
	}

	@Test
	void connectionsAreObservedOpenedAndClosedOnBothSidesAndAFailedConnectWithItsError() {
		RecordingObserver ra = new RecordingObserver();
		RecordingObserver rb = new RecordingObserver();
		PeerCollaboration a = endpoint(alice, TestPeers.loopback(), ra);
		PeerCollaboration b = endpoint(bob, TestPeers.loopback(), rb);
		acceptedSession(a, b, "t-2");

		RecordingObserver.Call out = ra.await("connectionOpened", WAIT);
		assertThat(out.args()).containsExactly(bob.name(), b.endPoints().get(0).address(),
				CollaborationObserver.Direction.OUTBOUND);
		RecordingObserver.Call in = rb.await("connectionOpened", WAIT);
		assertThat(in.arg(0)).isEqualTo(alice.name());
		assertThat(in.arg(2)).isEqualTo(CollaborationObserver.Direction.INBOUND);

		a.close().block(WAIT);
		assertThat(ra.await("connectionClosed", WAIT).arg(2)).isEqualTo(CollaborationObserver.Direction.OUTBOUND);
		assertThat(rb.await("connectionClosed", WAIT).arg(0)).isEqualTo(alice.name());

		// Carol expects Alice where Bob listens: the connect fails on the pin
		RecordingObserver rc = new RecordingObserver();
		PeerCollaboration c = endpoint(TestPeers.identity("carol", KeyType.ED25519), TestPeers.loopback(), rc);
		StepVerifier.create(c.peer(a.name(), b.endPoints().get(0)).presence()).expectError().verify(WAIT);
		RecordingObserver.Call failed = rc.await("connectFailed", WAIT);
		assertThat(failed.arg(0)).isEqualTo(a.name());
		assertThat(failed.arg(2)).isInstanceOf(io.peercollab.PeerIdentityMismatchException.class);
	}

	@Test
	void aRefusedInboundConnectionIsObservedWithItsReason() throws Exception {
		RecordingObserver rb = new RecordingObserver();
		PeerCollaboration b = endpoint(bob, TestPeers.loopback().timeToFirstStream(Duration.ofMillis(300)), rb);
		TcpAddress at = (TcpAddress) b.endPoints().get(0).address();
		// a connection that never starts TLS nor opens a stream: closed after timeToFirstStream, and reported
		try (Socket silent = new Socket(at.address(), at.port())) {
			Diagnostic refusal = (Diagnostic) rb.await("connectionRefused", WAIT).arg(0);
			assertThat(refusal.kind()).isEqualTo(Diagnostic.Kind.REJECTED_CONNECTION);
			assertThat(refusal.message()).contains("timeToFirstStream");
		}
	}

	/** Records the trace each request and channel this endpoint sends is subscribed with. */
	private static RSocketInterceptor recordingTraces(List<String> seen) {
		return rsocket -> new RSocketProxy(rsocket) {
			@Override
			public Mono<Payload> requestResponse(Payload payload) {
				return Mono.deferContextual(ctx -> {
					seen.add("requestResponse:" + ctx.getOrDefault(TRACE, "-"));
					return super.requestResponse(payload);
				});
			}

			@Override
			public Flux<Payload> requestChannel(Publisher<Payload> payloads) {
				return Flux.deferContextual(ctx -> {
					seen.add("requestChannel:" + ctx.getOrDefault(TRACE, "-"));
					return super.requestChannel(payloads);
				});
			}
		};
	}

	@Test
	void theInvitersContextReachesRSocketRequesterInterceptorsForTheInvitationAndTheSessionChannel() {
		List<String> traces = new CopyOnWriteArrayList<>();
		List<String> served = new CopyOnWriteArrayList<>();
		RSocketPeerTransport aliceTransport = TestPeers.loopback()
				.interceptors(registry -> registry.forRequester(recordingTraces(traces)));
		RSocketInterceptor counting = rsocket -> new RSocketProxy(rsocket) {
			@Override
			public Mono<Payload> requestResponse(Payload payload) {
				served.add("requestResponse");
				return super.requestResponse(payload);
			}
		};
		RSocketPeerTransport bobTransport = TestPeers.loopback()
				.interceptors(registry -> registry.forResponder(counting));
		RecordingObserver ra = new RecordingObserver();
		PeerCollaboration a = endpoint(alice, aliceTransport, ra);
		PeerCollaboration b = endpoint(bob, bobTransport, CollaborationObserver.NOOP);

		acceptedSession(a, b, "t-3");
		assertThat(traces).contains("requestResponse:t-3", "requestChannel:t-3");
		assertThat(served).as("bob's responder interceptor saw alice's requests").isNotEmpty();
		assertThat(ra.await("invitationSent", WAIT).arg(2)).isInstanceOfSatisfying(ContextView.class,
				ctx -> assertThat(ctx.<String>get(TRACE)).isEqualTo("t-3"));
	}

	@Test
	void customizersReachTheServerAndClientAfterTheLibrarysConfigurationWithTlsInPlace() {
		List<String> client = new CopyOnWriteArrayList<>();
		List<String> server = new CopyOnWriteArrayList<>();
		UnaryOperator<TcpClient> clientCustomizer = c -> c.option(ChannelOption.SO_KEEPALIVE, true)
				.wiretap("peercollab.test.client", LogLevel.TRACE)
				.doOnConnected(conn -> client.add("keepalive="
						+ conn.channel().config().getOption(ChannelOption.SO_KEEPALIVE)
						+ " tls=" + (conn.channel().pipeline().get(SslHandler.class) != null)));
		UnaryOperator<TcpServer> serverCustomizer = s -> s.childOption(ChannelOption.TCP_NODELAY, true)
				.doOnConnection(conn -> server.add("nodelay="
						+ conn.channel().config().getOption(ChannelOption.TCP_NODELAY)
						+ " tls=" + (conn.channel().pipeline().get(SslHandler.class) != null)));
		PeerCollaboration a = endpoint(alice, TestPeers.loopback().tcpClient(clientCustomizer),
				CollaborationObserver.NOOP);
		PeerCollaboration b = endpoint(bob, TestPeers.loopback().tcpServer(serverCustomizer),
				CollaborationObserver.NOOP);

		acceptedSession(a, b, "t-4");
		assertThat(client).contains("keepalive=true tls=true");
		awaitTrue("the server customizer saw the connection", () -> server.contains("nodelay=true tls=true"));
	}

	@Test
	void aCustomizerThatRemovesOrReplacesTheTlsFailsTheBind() throws Exception {
		StepVerifier.create(TestPeers.loopback().tcpServer(TcpServer::noSSL).bind(bob, new RecordingHandler()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining("TcpServer customizer").hasMessageContaining("removed"))
				.verify(WAIT);
		StepVerifier.create(TestPeers.loopback().tcpClient(TcpClient::noSSL).bind(bob, new RecordingHandler()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining("TcpClient customizer").hasMessageContaining("removed"))
				.verify(WAIT);
		// a context that trusts any server and presents no certificate: no pinning, no mutual authentication
		SslContext permissive = RawClient.tls(null, null, new AtomicReference<>());
		StepVerifier.create(TestPeers.loopback().tcpClient(c -> c.secure(spec -> spec.sslContext(permissive)))
				.bind(bob, new RecordingHandler()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining("replaced"))
				.verify(WAIT);
	}

	@Test
	void aServerCustomizerThatStopsAskingForClientCertificatesStillLetsNoAnonymousCallerIn() {
		RecordingHandler handler = new RecordingHandler();
		// keeps the library's context (so the bind accepts it) but tells the handshake not to require a certificate
		UnaryOperator<TcpServer> noClientAuth = s -> s.secure(SslProvider.addHandlerConfigurator(
				s.configuration().sslProvider(), ssl -> ssl.engine().setNeedClientAuth(false)));
		TransportBinding server = TestPeers.bind(TestPeers.loopback().tcpServer(noClientAuth), bob, handler);
		bindings.add(server);
		List<Diagnostic> refused = new CopyOnWriteArrayList<>();
		server.diagnostics().subscribe(refused::add);

		StepVerifier.create(RawClient.connect(server.address(), null, null)
				.flatMap(raw -> raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.presence", Map.of()))
						.doFinally(s -> raw.close())))
				.expectError()
				.verify(WAIT);
		assertThat(handler.calls).as("nothing was served to a caller that proved no key").isEmpty();
		awaitTrue("the refusal was reported", () -> refused.stream()
				.anyMatch(d -> Diagnostic.Kind.REJECTED_CONNECTION.equals(d.kind())));
		assertThat(Set.copyOf(refused.stream().map(Diagnostic::message).toList()).toString())
				.contains("no verified client certificate");
	}
}
