// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.peercollab.ChangeType;
import io.peercollab.CollaborationSession;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.NoPeersDiscovery;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.agent.internal.AgentFiles;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.rsocket.RSocketPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The end-to-end run, each program in its own JVM: the first application starts the agent, a second signs in
 * and the first sees it; a remote peer (this JVM, over RSocket on loopback) invites into a third application,
 * registered with its launch command but not running; the consent policy accepts, the agent launches it, and the
 * launched program reads its launch information over the local channel and talks with the inviter in the
 * invitation's session. Also: SIGTERM stops an agent cleanly, and an application killed in its own JVM loses its
 * objects.
 */
@Tag("slow")
class AgentProcessesTest {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@TempDir
	Path tmp;

	private final List<Process> processes = new ArrayList<>();
	private final List<ProcessHandle> spawned = new ArrayList<>();
	private final List<PeerCollaboration> open = new ArrayList<>();
	private final List<PeerCollabAgent> agents = new ArrayList<>();

	@AfterEach
	void end() throws Exception {
		Flux.fromIterable(open).flatMap(c -> c.close().onErrorResume(e -> Mono.empty())).then().block(WAIT);
		Flux.fromIterable(agents).flatMap(PeerCollabAgent::stop).then().block(WAIT);
		for (Process p : processes) {
			p.descendants().forEach(ProcessHandle::destroyForcibly);
			p.destroyForcibly();
		}
		spawned.forEach(ProcessHandle::destroyForcibly);
		Path log = tmp.resolve("run").resolve(AgentFiles.LOG);
		if (Files.exists(log)) {
			System.out.println("----- agent log\n" + Files.readString(log));
		}
	}

	private ChildJvm java(Class<?> main, List<String> args) throws Exception {
		ChildJvm child = ChildJvm.start(main, args);
		processes.add(child.process());
		return child;
	}

	@Test
	void twoApplicationsShareOneSignInAndAnAcceptedInvitationLaunchesAThirdThatTalksWithTheInviter()
			throws Exception {
		Path dir = tmp.resolve("run");
		List<String> agentArgs = List.of("--home", tmp.resolve("home").toString(), "--discovery", "loopback",
				"--in-memory-store", "--host", "127.0.0.1", "--consent", "accept", "--classifier", "agent",
				"--launch-timeout", "60");

		List<String> watchArgs = new ArrayList<>(List.of(dir.toString(), "watch"));
		watchArgs.addAll(agentArgs);
		ChildJvm watcher = java(AttachedAppMain.class, watchArgs);
		watcher.await("ATTACHED launch=false");
		spawned.addAll(watcher.process().descendants().toList());
		watcher.await("SCOPE NONE");

		List<String> signArgs = new ArrayList<>(List.of(dir.toString(), "signin"));
		signArgs.addAll(agentArgs);
		ChildJvm signer = java(AttachedAppMain.class, signArgs);
		signer.await("ATTACHED launch=false");
		signer.await("SIGNED_IN");
		watcher.await("SCOPE ALL");
		assertThat(signer.process().waitFor(30, TimeUnit.SECONDS)).isTrue();

		// this JVM attaches too and registers the application to launch, with its fixed command
		AgentSettings settings = AgentSettings.defaults().directory(dir);
		PeerCollaboration me = PeerCollabAgent.attach(settings).block(WAIT);
		open.add(me);
		Path result = tmp.resolve("launched.txt");
		PeerApplication game = new PeerApplication(UUID.randomUUID(), "Game", null, PeerScope.ALL,
				Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), LaunchedAppMain.class.getName(),
						dir.toString(), result.toString()));
		me.registerApplication(game).block(WAIT);
		assertThat(me.signInScope()).isEqualTo(PeerScope.ALL);
		// as an installer would, this program leaves: an attached program that registered the application would be
		// taken for the running application, and the invitation would wait for it instead of launching a copy
		PeerName agentName = me.name();
		PeerEndPoint agentEndPoint = me.endPoints().get(0);
		me.close().block(WAIT);

		PeerCollaboration inviter = PeerCollaboration.builder().identity(PeerIdentity.generate("inviter"))
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1")).build();
		open.add(inviter);
		inviter.signIn(PeerScope.INTERNET).block(WAIT);
		InvitationResponse response = inviter.peer(agentName, agentEndPoint)
				.invite(game.withoutLaunchDetails(), "join the game", "level-3".getBytes(StandardCharsets.UTF_8))
				.block(WAIT);
		assertThat(response.status()).isEqualTo(InvitationStatus.ACCEPTED);
		CollaborationSession host = response.session().orElseThrow();

		StepVerifier.create(host.receive().next())
				.assertNext(m -> assertThat(m.text()).isEqualTo("hello inviter"))
				.verifyComplete();
		host.send("welcome".getBytes(StandardCharsets.UTF_8)).block(WAIT);

		String written = Flux.interval(Duration.ofMillis(100)).filter(t -> Files.exists(result)).next()
				.map(t -> readString(result)).block(WAIT);
		// the inviter connected from loopback: its host, with the port it connected from
		assertThat(written).containsPattern("(?m)^inviterEndPoint=127\\.0\\.0\\.1:\\d+$");
		assertThat(written).contains("inviter=" + inviter.name(), "message=join the game", "data=level-3",
				"application=" + game.id(), "session=" + host.id(), "received=welcome",
				"current=" + game.id());

		PeerCollaboration again = PeerCollabAgent.attach(settings).block(WAIT);
		open.add(again);
		PeerCollabAgent.stop(again).block(WAIT);
		watcher.await("AGENT GONE");
		assertThat(watcher.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void sigtermStopsTheAgentItsSocketGoesAndAFreshAgentStartsInTheSameDirectory() throws Exception {
		Path dir = tmp.resolve("run");
		List<String> agentArgs = List.of("--dir", dir.toString(), "--home", tmp.resolve("home").toString(),
				"--discovery", "none", "--in-memory-store", "--host", "127.0.0.1", "--classifier", "agent");
		ChildJvm first = java(PeerCollabAgent.class, agentArgs);
		first.awaitPrefix("peercollab-agent listening in ");
		Path socket = dir.resolve(AgentFiles.SOCKET);
		assertThat(socket).exists();

		// SIGTERM, through the handle: Process.destroy() would also close the pipe this test reads the agent's output on
		assertThat(first.process().toHandle().destroy()).isTrue();
		assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).as("the agent ends on SIGTERM").isTrue();
		first.await("peercollab-agent stopped");
		assertThat(socket).as("the socket file is removed").doesNotExist();
		assertThat(first.lines().collectList().block(WAIT)).noneMatch(l -> l.contains("Exception"));

		ChildJvm second = java(PeerCollabAgent.class, agentArgs);
		second.awaitPrefix("peercollab-agent listening in ");
		PeerCollaboration attached = PeerCollabAgent.attach(AgentSettings.defaults().directory(dir)).block(WAIT);
		open.add(attached);
		assertThat(attached.name().classifier()).isEqualTo("agent");
		PeerCollabAgent.stop(attached).block(WAIT);
		assertThat(second.process().waitFor(30, TimeUnit.SECONDS)).as("the fresh agent stops when asked").isTrue();
		assertThat(second.process().exitValue()).isZero();
		assertThat(socket).doesNotExist();
	}

	@Test
	void anApplicationKilledInItsOwnJvmLosesItsObjects() throws Exception {
		Path dir = tmp.resolve("run");
		// this agent runs here, so that its own collaboration shows what the agent did when the channel closed
		PeerCollaboration engine = PeerCollaboration.builder().identity(PeerIdentity.generate("agent"))
				.transport(new InMemoryPeerTransport.Network().transport()).discovery(new NoPeersDiscovery()).build();
		agents.add(PeerCollabAgent.start(engine, AgentSettings.defaults().directory(dir)).block(WAIT));
		engine.signIn(PeerScope.ALL).block(WAIT);

		ChildJvm app = java(AttachedAppMain.class, List.of(dir.toString(), "publish"));
		UUID id = UUID.fromString(app.awaitPrefix("PUBLISHED ").substring("PUBLISHED ".length()));
		assertThat(engine.objects()).extracting(PeerObject::id).contains(id);

		// no goodbye: the process is killed, and the agent learns it from its side of the channel closing
		StepVerifier.create(engine.objectChanges().filter(c -> c.object().id().equals(id)))
				.assertNext(c -> assertThat(c.type()).isEqualTo(ChangeType.ADDED))
				.then(() -> app.process().destroyForcibly())
				.assertNext(c -> assertThat(c.type()).isEqualTo(ChangeType.REMOVED))
				.thenCancel()
				.verify(WAIT);
		assertThat(engine.objects()).extracting(PeerObject::id).doesNotContain(id);
	}

	private static String readString(Path p) {
		try {
			return Files.readString(p);
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}
}
