// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.NoPeersDiscovery;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the agent does with an invitation into a registered application that has a launch command: the agent runs in
 * this JVM (over the in-memory transport, with an embedded inviter beside it) and what it launches is
 * {@link LaunchProbeMain} in its own JVM, which reports over a loopback control socket of this test. A declined
 * invitation launches nothing; an accepted one launches the registered command, whose command line and environment
 * carry nothing of the invitation while its launch information over the local channel has it all; past the launch
 * timeout the session ends and the process gets no launch; and an application that registered it and runs already is
 * waited for instead of launching a second copy.
 */
@Tag("slow")
class AgentLaunchTest {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@TempDir
	Path tmp;

	private final InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
	private final List<PeerCollaboration> open = new ArrayList<>();
	private final List<PeerCollabAgent> agents = new ArrayList<>();
	/** Where a launched probe connects; the test accepts its connection when it wants to hear from it. */
	private ServerSocket control;

	@BeforeEach
	void listen() throws IOException {
		control = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
		control.setSoTimeout((int) WAIT.toMillis());
	}

	@AfterEach
	void end() throws IOException {
		Flux.fromIterable(open).flatMap(c -> c.close().onErrorResume(e -> Mono.empty())).then().block(WAIT);
		Flux.fromIterable(agents).flatMap(PeerCollabAgent::stop).then().block(WAIT);
		probes(LaunchProbeMain.class.getName()).forEach(ProcessHandle::destroyForcibly);
		control.close();
		try (var logs = Files.newDirectoryStream(agentDirectory(), "launched-*.log")) {
			for (Path log : logs) {
				System.out.println("----- " + log.getFileName() + "\n" + Files.readString(log));
			}
		}
		catch (IOException e) {
			// no agent directory: nothing was launched
		}
	}

	private Path agentDirectory() {
		return tmp.resolve("agent");
	}

	private AgentSettings settings() {
		return AgentSettings.defaults().directory(agentDirectory());
	}

	/** @return the agent's own collaboration, signed in to {@code ALL}, served on {@code settings} */
	private PeerCollaboration agent(AgentSettings settings) {
		PeerCollaboration engine = PeerCollaboration.builder().identity(PeerIdentity.generate("agent"))
				.transport(network.transport()).discovery(new NoPeersDiscovery()).build();
		agents.add(PeerCollabAgent.start(engine, settings).block(WAIT));
		// a stranger may invite into an application of scope ALL
		engine.signIn(PeerScope.ALL).block(WAIT);
		return engine;
	}

	private PeerCollaboration embedded(String name) {
		PeerCollaboration c = PeerCollaboration.builder().identity(PeerIdentity.generate(name)).nickname(name)
				.transport(network.transport()).build();
		open.add(c);
		c.signIn(PeerScope.INTERNET).block(WAIT);
		return c;
	}

	/** @return an application whose launch command is {@link LaunchProbeMain}, writing what it was started with */
	private PeerApplication probe(Path startedWith) {
		return new PeerApplication(UUID.randomUUID(), "Probe", null, PeerScope.ALL, ChildJvm.java(),
				List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), LaunchProbeMain.class.getName(),
						agentDirectory().toString(), Integer.toString(control.getLocalPort()),
						startedWith.toString()));
	}

	/** @return the processes below this JVM whose command line contains {@code text} */
	private static List<ProcessHandle> probes(String text) {
		return ProcessHandle.current().descendants().filter(h -> commandLine(h).contains(text)).toList();
	}

	/**
	 * @return the process's whole command line; {@code ProcessHandle.Info.commandLine()} is cut at a page on Linux,
	 * before the probe's arguments, behind a long class path
	 */
	private static String commandLine(ProcessHandle h) {
		try {
			return new String(Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "cmdline")),
					StandardCharsets.UTF_8).replace('\0', ' ');
		}
		catch (IOException e) {
			return h.info().commandLine().orElse("");
		}
	}

	private Path launchLog(PeerApplication app) {
		return agentDirectory().resolve("launched-" + app.id() + ".log");
	}

	private static InvitationResponse invite(PeerCollaboration inviter, PeerCollaboration agent, PeerApplication app,
			String message, String data) {
		// the inviter knows the application by its id; the launch command is this machine's own
		return inviter.peer(agent.name(), agent.endPoints().get(0))
				.invite(app.withoutLaunchDetails(), message, data.getBytes(StandardCharsets.UTF_8)).block(WAIT);
	}

	/** A launched probe's connection to this test. */
	private static final class Probe implements AutoCloseable {

		private final Socket socket;
		private final BufferedReader in;
		private final PrintWriter out;

		Probe(Socket socket) throws IOException {
			this.socket = socket;
			socket.setSoTimeout((int) WAIT.toMillis());
			this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
			this.out = new PrintWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8), true);
		}

		String line() throws IOException {
			String line = in.readLine();
			assertThat(line).as("the probe's next line").isNotNull();
			return line;
		}

		/** @return the launch information reported, {@code key=value} lines up to {@code END} */
		List<String> launch() throws IOException {
			List<String> lines = new ArrayList<>();
			for (String line = line(); !line.equals("END"); line = line()) {
				lines.add(line);
			}
			return lines;
		}

		void send(String line) {
			out.println(line);
		}

		@Override
		public void close() throws IOException {
			socket.close();
		}
	}

	/** How a consent hook refuses to launch. */
	enum Refusal {
		/** {@link ConsentHook#DECLINE}, the default policy. */
		DECLINE_POLICY,
		ANSWERS_FALSE,
		ANSWERS_NOTHING,
		FAILS,
		THROWS
	}

	@ParameterizedTest
	@EnumSource(Refusal.class)
	void aRefusedConsentDeclinesTheInvitationAndLaunchesNothing(Refusal refusal) throws Exception {
		assertThat(AgentSettings.defaults().consent()).as("the default").isSameAs(ConsentHook.DECLINE);
		List<Invitation> asked = new CopyOnWriteArrayList<>();
		ConsentHook answer = switch (refusal) {
			case DECLINE_POLICY -> ConsentHook.DECLINE;
			case ANSWERS_FALSE -> inv -> Mono.just(false);
			case ANSWERS_NOTHING -> inv -> Mono.empty();
			case FAILS -> inv -> Mono.error(new IllegalStateException("nobody to ask"));
			case THROWS -> inv -> {
				throw new IllegalStateException("nobody to ask");
			};
		};
		PeerCollaboration agent = agent(settings().consent(inv -> {
			asked.add(inv);
			return answer.ask(inv);
		}));
		Path startedWith = tmp.resolve("started-with.txt");
		PeerApplication app = probe(startedWith);
		agent.registerApplication(app).block(WAIT);
		PeerCollaboration carol = embedded("carol");

		InvitationResponse response = invite(carol, agent, app, "play?", "level-1");
		assertThat(response.status()).isEqualTo(InvitationStatus.DECLINED);
		assertThat(asked).as("the hook was asked, with the registered command").singleElement()
				.satisfies(inv -> assertThat(inv.application().path()).isEqualTo(app.path()));
		// a launch comes only after the agent accepts, so nothing of this invitation can still be on its way now: no
		// log file opened for the command, no process, nothing written by it
		assertThat(launchLog(app)).doesNotExist();
		assertThat(probes(startedWith.toString())).isEmpty();
		assertThat(startedWith).doesNotExist();
	}

	@Test
	void theLaunchInformationTravelsOverTheLocalChannelAndNeverThroughArgumentsOrTheEnvironment() throws Exception {
		PeerCollaboration agent = agent(settings().consent(ConsentHook.ACCEPT));
		Path startedWith = tmp.resolve("started-with.txt");
		PeerApplication app = probe(startedWith);
		agent.registerApplication(app).block(WAIT);
		PeerCollaboration carol = embedded("carol");
		String message = "message-" + UUID.randomUUID();
		String data = "data-" + UUID.randomUUID();

		InvitationResponse response = invite(carol, agent, app, message, data);
		assertThat(response.status()).isEqualTo(InvitationStatus.ACCEPTED);
		CollaborationSession host = response.session().orElseThrow();

		try (Probe probe = new Probe(control.accept())) {
			assertThat(probe.line()).startsWith("STARTED ");
			assertThat(probes(startedWith.toString())).as("the launched process, as the decline test looks for it")
					.isNotEmpty();
			// written before the probe connected
			String started = Files.readString(startedWith);
			assertThat(started).as("its command line and environment were read")
					.contains(LaunchProbeMain.class.getName(), AgentSettings.DIRECTORY_VARIABLE + "=");
			assertThat(started).doesNotContain(message, data, carol.name().toString(), carol.name().authority(),
					host.id().toString());

			probe.send("ATTACH");
			assertThat(probe.line()).isEqualTo("LAUNCH present");
			assertThat(probe.launch()).containsExactly("inviter=" + carol.name(), "inviterNickname=carol",
					"message=" + message, "data=" + data, "application=" + app.id(), "session=" + host.id());
			probe.send("DONE");
		}
		// the probe detached: the session the agent handed it goes with it
		StepVerifier.create(host.onClose()).expectComplete().verify(WAIT);
	}

	@Test
	void pastTheLaunchTimeoutTheInvitersSessionEndsAndTheLaunchedProcessGetsNoLaunch() throws Exception {
		PeerCollaboration agent = agent(settings().consent(ConsentHook.ACCEPT).launchTimeout(Duration.ofSeconds(2)));
		Path startedWith = tmp.resolve("started-with.txt");
		PeerApplication app = probe(startedWith);
		agent.registerApplication(app).block(WAIT);
		PeerCollaboration carol = embedded("carol");

		InvitationResponse response = invite(carol, agent, app, "late?", "level-2");
		assertThat(response.status()).isEqualTo(InvitationStatus.ACCEPTED);
		CollaborationSession host = response.session().orElseThrow();
		try (Probe probe = new Probe(control.accept())) {
			assertThat(probe.line()).startsWith("STARTED ");
			// the launched process lives on without attaching: only the launch timeout ends the session
			StepVerifier.create(host.onClose()).expectComplete().verify(WAIT);

			probe.send("ATTACH");
			assertThat(probe.line()).as("an attach after the timeout").isEqualTo("LAUNCH none");
			probe.send("DONE");
		}
	}

	@Test
	void anInvitationForAnApplicationThatRunsButHasNotSubscribedWaitsForItAndLaunchesNoSecondCopy()
			throws Exception {
		List<Invitation> asked = new CopyOnWriteArrayList<>();
		AgentSettings settings = settings().consent(inv -> {
			asked.add(inv);
			return Mono.just(true);
		});
		PeerCollaboration agent = agent(settings);
		Path startedWith = tmp.resolve("started-with.txt");
		PeerApplication app = probe(startedWith);
		PeerCollaboration running = PeerCollabAgent.attach(settings).block(WAIT);
		open.add(running);
		running.registerApplication(app).block(WAIT);
		PeerCollaboration carol = embedded("carol");

		// the agent subscribed to its collaboration's invitations first: the engine hands each one to the agent (which
		// routes it: keeps it, or asks the hook and launches) before this later subscriber sees it
		Mono<Invitation> reachedTheAgent = agent.invitations().next().cache();
		reachedTheAgent.subscribe(null, e -> { });
		Mono<InvitationResponse> response = Mono.defer(() -> carol.peer(agent.name(), agent.endPoints().get(0))
				.invite(app.withoutLaunchDetails(), "again?", null)).cache();
		response.subscribe(null, e -> { });
		reachedTheAgent.block(WAIT);
		assertThat(asked).as("nobody was asked to launch it").isEmpty();
		assertThat(launchLog(app)).doesNotExist();

		StepVerifier.create(running.invitations().next().flatMap(inv -> {
			assertThat(inv.message()).isEqualTo("again?");
			return inv.accept();
		}))
				.assertNext(session -> assertThat(session.host()).isEqualTo(carol.name()))
				.expectComplete()
				.verify(WAIT);
		assertThat(response.block(WAIT).status()).isEqualTo(InvitationStatus.ACCEPTED);
		assertThat(asked).isEmpty();
		assertThat(launchLog(app)).doesNotExist();
		assertThat(probes(startedWith.toString())).isEmpty();
	}
}
