// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.peercollab.ChangeType;
import io.peercollab.ConnectionPath;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.NoPeersDiscovery;
import io.peercollab.NotAuthorizedException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.RelayedAddress;
import io.peercollab.TcpAddress;
import io.peercollab.agent.internal.AgentClient;
import io.peercollab.agent.internal.AgentFiles;
import io.peercollab.agent.internal.AttachedCollaboration;
import io.peercollab.agent.internal.LocalWire;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.netty.channel.epoll.Epoll;
import io.rsocket.core.RSocketConnector;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.util.DefaultPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpClient;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The agent and its local channel in one JVM: applications attached over a Unix domain socket or loopback TCP share
 * one sign-in, presence and set of registrations; a client without the secret, or another local user, cannot attach;
 * what an application published goes when it detaches; invitations reach the application that registered their
 * application, and their sessions carry messages both ways.
 */
class AgentChannelTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	static final PeerApplication BOARD = new PeerApplication(UUID.fromString("6a4f5a0e-0c39-4a45-9d7f-3b1f0c1e2a77"),
			"Board", null, PeerScope.ALL, null, null);

	@TempDir
	Path tmp;

	private final InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
	private final List<PeerCollaboration> open = new ArrayList<>();
	private final List<PeerCollabAgent> agents = new ArrayList<>();
	/** Each agent's own collaboration. */
	private final Map<PeerCollabAgent, PeerCollaboration> engines = new IdentityHashMap<>();

	@AfterEach
	void close() {
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
		Flux.fromIterable(agents).flatMap(PeerCollabAgent::stop).then().block(WAIT);
	}

	private AgentSettings settings(AgentSettings.Channel channel) {
		return AgentSettings.defaults().directory(tmp.resolve("agent")).channel(channel);
	}

	private PeerCollabAgent agent(AgentSettings settings) {
		PeerCollaboration collab = PeerCollaboration.builder().identity(PeerIdentity.generate("agent"))
				.transport(network.transport()).discovery(new NoPeersDiscovery()).build();
		PeerCollabAgent agent = PeerCollabAgent.start(collab, settings).block(WAIT);
		agents.add(agent);
		engines.put(agent, collab);
		return agent;
	}

	private PeerCollaboration attach(AgentSettings settings) {
		PeerCollaboration c = PeerCollabAgent.attach(settings).block(WAIT);
		open.add(c);
		return c;
	}

	private PeerCollaboration embedded(String name) {
		PeerCollaboration c = PeerCollaboration.builder().identity(PeerIdentity.generate(name))
				.transport(network.transport()).build();
		open.add(c);
		c.signIn(PeerScope.INTERNET).block(WAIT);
		return c;
	}

	/**
	 * A call on the application's local channel that changes nothing: the agent handles one channel's requests in
	 * order and subscribes a stream as it reads its request, so a stream this application subscribed before is held
	 * by the agent once this returns (events sent before that would not reach it).
	 */
	static void roundTrip(PeerCollaboration app) {
		app.setNickname(app.nickname()).block(WAIT);
	}

	@Test
	void theSocketTheSecretAndTheirDirectoryAreTheUsersOnly() throws Exception {
		AgentSettings s = settings(AgentSettings.Channel.UNIX_DOMAIN);
		agent(s);
		Path dir = s.directory();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(AgentFiles.SECRET))))
				.isEqualTo("rw-------");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(AgentFiles.SOCKET))))
				.isEqualTo("rw-------");
	}

	@ParameterizedTest
	@EnumSource(AgentSettings.Channel.class)
	void oneApplicationSignsInAndAnotherSeesIt(AgentSettings.Channel channel) {
		AgentSettings s = settings(channel);
		agent(s);
		PeerCollaboration a = attach(s);
		PeerCollaboration b = attach(s);
		assertThat(a.name()).isEqualTo(b.name());
		assertThat(a.launchInfo()).as("a program started normally has no launch").isEmpty();

		StepVerifier.create(b.signInChanges())
				.expectNext(PeerScope.NONE)
				.then(() -> a.signIn(PeerScope.INTERNET).block(WAIT))
				.expectNext(PeerScope.INTERNET)
				.thenCancel()
				.verify(WAIT);
		assertThat(a.signInScope()).isEqualTo(PeerScope.INTERNET);
		assertThat(a.endPoints()).isNotEmpty();

		a.setPresence(new PresenceInfo(PresenceStatus.AWAY, "lunch")).block(WAIT);
		StepVerifier.create(b.presenceChanges().filter(c -> c.presence().status() == PresenceStatus.AWAY).next())
				.assertNext(c -> assertThat(c.presence().text()).isEqualTo("lunch"))
				.verifyComplete();

		a.registerApplication(BOARD).block(WAIT);
		StepVerifier.create(b.applicationChanges().next())
				.assertNext(c -> assertThat(c.application()).isEqualTo(BOARD))
				.verifyComplete();
	}

	@ParameterizedTest
	@EnumSource(AgentSettings.Channel.class)
	void aClientWithoutTheSecretCannotAttach(AgentSettings.Channel channel) {
		AgentSettings s = settings(channel);
		PeerCollabAgent agent = agent(s);
		TcpClient tcp = AgentClient.client(channel == AgentSettings.Channel.UNIX_DOMAIN
				? UnixDomainSocketAddress.of(s.directory().resolve(AgentFiles.SOCKET))
				: agent.tcpAddress().orElseThrow());
		Mono<PeerCollaboration> attempt = RSocketConnector.create()
				.setupPayload(DefaultPayload.create(LocalWire.write(new LocalWire.Hello("guessed",
						ProcessHandle.current().pid()))))
				.connect(TcpClientTransport.create(tcp)).flatMap(AttachedCollaboration::attach);
		StepVerifier.create(attempt)
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotAuthorizedException.class)
						.hasMessageContaining("secret"))
				.verify(WAIT);
	}

	@Test
	void onTheDomainSocketAnApplicationCannotClaimAnotherProcessesId() throws Exception {
		assumeTrue(Epoll.isAvailable(), "the kernel's peer credentials are read through Netty's epoll");
		AgentSettings s = settings(AgentSettings.Channel.UNIX_DOMAIN);
		agent(s);
		String secret = Files.readString(s.directory().resolve(AgentFiles.SECRET)).strip();
		TcpClient tcp = AgentClient.client(UnixDomainSocketAddress.of(s.directory().resolve(AgentFiles.SOCKET)));
		long other = ProcessHandle.current().parent().orElseThrow().pid(); // as a launched program's would be
		Mono<PeerCollaboration> claiming = RSocketConnector.create()
				.setupPayload(DefaultPayload.create(LocalWire.write(new LocalWire.Hello(secret, other))))
				.connect(TcpClientTransport.create(tcp)).flatMap(AttachedCollaboration::attach);
		StepVerifier.create(claiming).expectError().verify(WAIT);

		// the same secret with this process's own id attaches
		PeerCollaboration honest = RSocketConnector.create()
				.setupPayload(DefaultPayload.create(LocalWire.write(new LocalWire.Hello(secret,
						ProcessHandle.current().pid()))))
				.connect(TcpClientTransport.create(tcp)).flatMap(AttachedCollaboration::attach).block(WAIT);
		assertThat(honest.launchInfo()).isEmpty();
		honest.close().block(WAIT);
	}

	@Test
	void aSecretFileOthersCanReadIsRefused() throws Exception {
		AgentSettings s = settings(AgentSettings.Channel.LOOPBACK_TCP);
		agent(s);
		Files.setPosixFilePermissions(s.directory().resolve(AgentFiles.SECRET),
				PosixFilePermissions.fromString("rw-r--r--"));
		StepVerifier.create(PeerCollabAgent.attach(s))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotAuthorizedException.class)
						.hasMessageContaining(AgentFiles.SECRET).hasMessageContaining("rw-------"))
				.verify(WAIT);
	}

	/**
	 * Skips the calling test with {@code reason} unless {@code met}, or fails it under {@code PEERCOLLAB_CI}: CI runs
	 * the tests as root, with setpriv (util-linux) and python3 there, so it cannot pass by skipping.
	 */
	private static void assumeOrFailUnderCi(boolean met, String reason) {
		if (met) {
			return;
		}
		if (System.getenv("PEERCOLLAB_CI") != null) {
			fail("PEERCOLLAB_CI is set, and another local user cannot be tried: " + reason);
		}
		abort(reason);
	}

	@Test
	void anotherLocalUserCannotOpenTheSocket() throws Exception {
		assumeOrFailUnderCi("root".equals(System.getProperty("user.name")), "needs root to become another user");
		assumeOrFailUnderCi(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs /usr/bin/setpriv");
		assumeOrFailUnderCi(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3");
		AgentSettings s = settings(AgentSettings.Channel.UNIX_DOMAIN);
		agent(s);
		// the directory is the first thing in the way; make it passable to show that the socket itself refuses too
		Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
		Path socket = s.directory().resolve(AgentFiles.SOCKET);
		for (String dirMode : List.of("rwx------", "rwx--x--x")) {
			Files.setPosixFilePermissions(s.directory(), PosixFilePermissions.fromString(dirMode));
			Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
					"/usr/bin/python3", "-c", "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n"
							+ "  s.connect(sys.argv[1]); print('CONNECTED')\nexcept OSError as e:\n"
							+ "  print('REFUSED', e)", socket.toString()).redirectErrorStream(true).start();
			assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
			String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(out).as("directory " + dirMode).contains("REFUSED").contains("Permission denied")
					.doesNotContain("CONNECTED");
		}
		// past the file permissions (a socket others may open, as a careless umask would leave it): the agent reads
		// who connected and closes another user's connection before it reads a byte
		if (Epoll.isAvailable()) {
			Files.setPosixFilePermissions(s.directory(), PosixFilePermissions.fromString("rwx--x--x"));
			Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
			Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
					"/usr/bin/python3", "-c", "import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
							+ "s.connect(sys.argv[1]); print('CONNECTED')\ns.settimeout(20)\n"
							+ "print('CLOSED' if s.recv(1) == b'' else 'OPEN')", socket.toString())
					.redirectErrorStream(true).start();
			assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
			String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(out).as("another user past the permissions").contains("CONNECTED").contains("CLOSED");
			Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
		}
		Files.setPosixFilePermissions(s.directory(), PosixFilePermissions.fromString("rwx------"));
	}

	@Test
	void anApplicationsObjectsGoWhenItDetaches() {
		AgentSettings s = settings(AgentSettings.Channel.UNIX_DOMAIN);
		agent(s);
		PeerCollaboration a = attach(s);
		PeerCollaboration b = attach(s);
		a.signIn(PeerScope.INTERNET).block(WAIT);
		PeerObject mine = new PeerObject(UUID.randomUUID(), "a's".getBytes(StandardCharsets.UTF_8), PeerScope.ALL);
		PeerObject theirs = new PeerObject(UUID.randomUUID(), "b's".getBytes(StandardCharsets.UTF_8), PeerScope.ALL);
		a.setObject(mine).block(WAIT);
		b.setObject(theirs).block(WAIT);
		assertThat(b.objects()).contains(mine, theirs);

		// the stream is a request to the agent: it starts with every object as ADDED, sent once the agent holds it;
		// a.close() before that could go unseen by b's stream (it would not see a's object at all)
		StepVerifier.create(b.objectChanges())
				.expectNextMatches(c -> c.type() == ChangeType.ADDED)
				.expectNextMatches(c -> c.type() == ChangeType.ADDED)
				.then(() -> a.close().block(WAIT))
				.expectNextMatches(c -> c.type() == ChangeType.REMOVED && c.object().equals(mine))
				.thenCancel()
				.verify(WAIT);
		// b's next call brings the agent's state, which lost a's object before the event above left the agent
		b.setObject(theirs).block(WAIT);
		assertThat(b.objects()).containsExactly(theirs);
	}

	@Test
	void theLastApplicationToSetAnObjectOwnsItAndItGoesOnlyWithThatOne() {
		AgentSettings s = settings(AgentSettings.Channel.UNIX_DOMAIN);
		PeerCollaboration engine = engines.get(agent(s));
		PeerCollaboration a = attach(s);
		PeerCollaboration b = attach(s);
		a.signIn(PeerScope.ALL).block(WAIT);
		// a holds a session too: the agent drops a detached application's objects, then its sessions, so the
		// inviter's session ending says that the agent is done with a
		a.registerApplication(BOARD).block(WAIT);
		Mono<CollaborationSession> accepted = a.invitations().next().flatMap(Invitation::accept).cache();
		accepted.subscribe(null, e -> { });
		roundTrip(a);
		PeerCollaboration carol = embedded("carol");
		InvitationResponse response = carol.peer(a.name(), a.endPoints().get(0)).invite(BOARD, "draw?", null)
				.block(WAIT);
		assertThat(response.status()).isEqualTo(InvitationStatus.ACCEPTED);
		CollaborationSession host = response.session().orElseThrow();
		accepted.block(WAIT);

		UUID sharedId = UUID.randomUUID();
		PeerObject byA = new PeerObject(sharedId, "a's".getBytes(StandardCharsets.UTF_8), PeerScope.ALL);
		PeerObject byB = new PeerObject(sharedId, "b's".getBytes(StandardCharsets.UTF_8), PeerScope.ALL);
		PeerObject onlyA = new PeerObject(UUID.randomUUID(), "a's only".getBytes(StandardCharsets.UTF_8),
				PeerScope.ALL);
		a.setObject(byA).block(WAIT);
		a.setObject(onlyA).block(WAIT);
		b.setObject(byB).block(WAIT);
		assertThat(engine.objects()).contains(byB, onlyA);

		a.close().block(WAIT);
		StepVerifier.create(host.onClose()).expectComplete().verify(WAIT);
		assertThat(engine.objects()).as("b set the shared object last: it stays when a goes").contains(byB)
				.doesNotContain(onlyA);

		StepVerifier.create(engine.objectChanges().filter(c -> c.object().id().equals(sharedId)))
				.assertNext(c -> assertThat(c.type()).isEqualTo(ChangeType.ADDED))
				.then(() -> b.close().block(WAIT))
				.assertNext(c -> {
					assertThat(c.type()).isEqualTo(ChangeType.REMOVED);
					assertThat(c.object()).isEqualTo(byB);
				})
				.thenCancel()
				.verify(WAIT);
		assertThat(engine.objects()).extracting(PeerObject::id).doesNotContain(sharedId);
	}

	@Test
	void anInvitationReachesTheApplicationThatRegisteredItAndItsSessionCarriesMessages() {
		AgentSettings s = settings(AgentSettings.Channel.UNIX_DOMAIN);
		agent(s);
		PeerCollaboration generic = attach(s);
		PeerCollaboration board = attach(s);
		// a stranger may invite into an application of scope ALL while this endpoint is signed in to NEAR_ME
		board.signIn(PeerScope.ALL).block(WAIT);
		board.registerApplication(BOARD).block(WAIT);
		List<Invitation> genericSaw = new ArrayList<>();
		generic.invitations().subscribe(genericSaw::add, e -> { });
		Mono<CollaborationSession> accepted = board.invitations().next().flatMap(inv -> {
			assertThat(inv.message()).isEqualTo("draw?");
			assertThat(inv.application().id()).isEqualTo(BOARD.id());
			return inv.accept();
		}).cache();
		accepted.subscribe(null, e -> { });
		// both subscribed at the agent before the invitation is sent
		roundTrip(generic);
		roundTrip(board);

		PeerCollaboration carol = embedded("carol");
		InvitationResponse response = carol.peer(board.name(), board.endPoints().get(0))
				.invite(BOARD, "draw?", null).block(WAIT);
		assertThat(response.status()).isEqualTo(InvitationStatus.ACCEPTED);
		CollaborationSession host = response.session().orElseThrow();
		CollaborationSession member = accepted.block(WAIT);
		assertThat(member.host()).isEqualTo(carol.name());
		assertThat(member.isHost()).isFalse();

		StepVerifier.create(member.receive().next())
				.then(() -> host.send("hi".getBytes(StandardCharsets.UTF_8)).block(WAIT))
				.assertNext(m -> assertThat(m.text()).isEqualTo("hi"))
				.verifyComplete();
		StepVerifier.create(host.receive().next())
				.then(() -> member.send("hello back".getBytes(StandardCharsets.UTF_8)).block(WAIT))
				.assertNext(m -> assertThat(m.text()).isEqualTo("hello back"))
				.verifyComplete();
		assertThat(genericSaw).as("the current application took it, not a generic one").isEmpty();

		// the path to the inviter, as the agent's engine knows it, comes through the channel
		StepVerifier.create(board.peer(carol.name(), carol.endPoints().get(0)).pathChanges().next())
				.assertNext(p -> assertThat(p).isIn(ConnectionPath.DIRECT, ConnectionPath.NOT_CONNECTED))
				.verifyComplete();
		// the session's members come through the channel as they change: the host, then its goodbye
		StepVerifier.create(member.memberChanges())
				.assertNext(c -> {
					assertThat(c.type()).isEqualTo(ChangeType.ADDED);
					assertThat(c.member()).isEqualTo(carol.name());
				})
				.then(member::dispose)
				.assertNext(c -> {
					assertThat(c.type()).isEqualTo(ChangeType.REMOVED);
					assertThat(c.member()).isEqualTo(carol.name());
					assertThat(c.isLost()).isFalse();
				})
				.verifyComplete();
		StepVerifier.create(host.onClose()).verifyComplete();
	}

	@Test
	void eachAttachedApplicationsCurrentApplicationIsTheOneItRegistered() {
		AgentSettings s = settings(AgentSettings.Channel.UNIX_DOMAIN);
		agent(s);
		PeerCollaboration board = attach(s);
		PeerCollaboration chat = attach(s);
		PeerApplication chatApp = PeerApplication.of(UUID.randomUUID(), "Chat", PeerScope.ALL);
		board.registerApplication(BOARD).block(WAIT);
		chat.registerApplication(chatApp).block(WAIT);
		assertThat(chat.applications()).as("the registrations are shared").hasSize(2);

		assertThat(board.currentApplication().block(WAIT).id()).isEqualTo(BOARD.id());
		assertThat(chat.currentApplication().block(WAIT).id()).isEqualTo(chatApp.id());
		PeerCollaboration other = attach(s);
		StepVerifier.create(other.currentApplication()).as("it registered none and was not launched")
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(io.peercollab.NotFoundException.class)
						.hasMessageContaining("application(id)"))
				.verify(WAIT);
	}

	@Test
	void advertisedEndPointsAreCarriedAndWhatIsNotCarriedFailsWithATypedError() {
		AgentSettings s = settings(AgentSettings.Channel.UNIX_DOMAIN);
		agent(s);
		PeerCollaboration a = attach(s);
		// the advertised endpoints are the person's: set through one application, the agent's endpoint has them
		a.signIn(PeerScope.INTERNET).block(WAIT); // published while signed in: empty while signed out, as embedded
		PeerEndPoint forwarded = PeerEndPoint.of(new InetSocketAddress("192.0.2.9", 4000));
		StepVerifier.create(a.setAdvertisedEndPoints(List.of(forwarded))).verifyComplete();
		assertThat(a.advertisedEndPoints()).containsExactly(forwarded);
		StepVerifier.create(a.setAdvertisedEndPoints(List.of(PeerEndPoint.of(new RelayedAddress(TcpAddress.of(
				new InetSocketAddress("192.0.2.7", 3478)))))))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotCarriedByAgentException.class)
						.hasMessageContaining("endPoints"))
				.verify(WAIT);
		assertThat(a.advertisedEndPoints()).as("unchanged").containsExactly(forwarded);
		// a contact at an address the channel does not carry (a TURN relay's) is refused whole, never cut
		PeerIdentity bob = PeerIdentity.generate("bob");
		PeerContact relayed = PeerContact.of(bob.name(), "bob", bob.certificate()).withEndPoints(List.of(
				PeerEndPoint.of(new RelayedAddress(TcpAddress.of(new InetSocketAddress("192.0.2.7", 3478))))));
		assertThatThrownBy(() -> a.peer(relayed)).isInstanceOf(NotCarriedByAgentException.class)
				.hasMessageContaining("TCP");
		StepVerifier.create(a.contacts().add(relayed)).expectError(NotCarriedByAgentException.class).verify(WAIT);
		assertThat(a.contacts().findAll().collectList().block(WAIT)).isEmpty();
		assertThatThrownBy(a::identity).isInstanceOf(NotCarriedByAgentException.class)
				.hasMessageContaining("private key");
	}
}
