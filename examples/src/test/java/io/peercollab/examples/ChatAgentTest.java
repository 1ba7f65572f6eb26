// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.peercollab.CollaborationSession;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.agent.AgentSettings;
import io.peercollab.agent.PeerCollabAgent;
import io.peercollab.examples.chat.Chat;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.RSocketPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat's launch path, each program in its own process: the user's agent (a child JVM, consent policy "accept"),
 * a chat that registers its launch command with it and exits, a remote inviter (this JVM, over RSocket on loopback)
 * that invites the person into the chat while no chat runs, and the chat the agent then starts: it reads its launch
 * information, says who invited with which message, joins the invitation's session, and messages cross both ways.
 * The started chat has no terminal: it reads its commands from a named pipe ({@code --input}, a fixed argument of
 * the registration) and its output is the agent's log of it.
 */
@Tag("slow")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChatAgentTest {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@TempDir
	Path tmp;

	private final List<Process> processes = new ArrayList<>();
	private final List<PeerCollaboration> open = new ArrayList<>();

	@AfterEach
	void end() throws IOException {
		Path log = tmp.resolve("agent").resolve("launched-" + Chat.CHAT.id() + ".log");
		if (Files.exists(log)) {
			System.out.println("----- the launched chat's output\n" + Files.readString(log));
		}
		Flux.fromIterable(open).flatMap(c -> c.close().onErrorResume(e -> Mono.empty())).then().block(WAIT);
		for (Process p : processes) {
			p.descendants().forEach(ProcessHandle::destroyForcibly);
			p.destroyForcibly();
		}
	}

	@Test
	void anAcceptedInvitationStartsARegisteredChatThatJoinsTheInvitersSession() throws Exception {
		Path dir = tmp.resolve("agent");
		Process agentProcess = java(dir, "io.peercollab.agent.PeerCollabAgent", "--dir", dir.toString(),
				"--home", tmp.resolve("home").toString(), "--discovery", "loopback", "--in-memory-store",
				"--host", "127.0.0.1", "--consent", "accept", "--classifier", "alice", "--nickname", "alice",
				"--sign-in", "ALL");
		Sinks.Many<String> agentOut = lines(agentProcess);
		agentOut.asFlux().filter(l -> l.startsWith("peercollab-agent listening in ")).next().block(WAIT);

		// the person registers the chat's launch command (as an installer would), and no chat runs afterwards
		Path pipe = tmp.resolve("chat-input");
		Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start();
		assertThat(mkfifo.waitFor(30, TimeUnit.SECONDS) && mkfifo.exitValue() == 0).as("mkfifo").isTrue();
		Process register = java(dir, Chat.class.getName(), "--register-launch", "--",
				"--home", tmp.resolve("chat-home").toString(), "--input", pipe.toString());
		Sinks.Many<String> registerOut = lines(register);
		assertThat(register.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(register.exitValue()).isZero();
		assertThat(registerOut.asFlux().collectList().block(WAIT)).anyMatch(l -> l.startsWith(
				"* registered the chat with my PeerCollab agent: an accepted invitation starts ")
				&& l.contains(Chat.class.getName() + " --agent --home " + tmp.resolve("chat-home")));

		AgentSettings settings = AgentSettings.defaults().directory(dir);
		PeerCollaboration look = PeerCollabAgent.attach(settings).block(WAIT);
		PeerName alice = look.name();
		PeerEndPoint aliceEndPoint = look.endPoints().get(0);
		PeerApplication registered = look.applications().stream().filter(a -> a.id().equals(Chat.CHAT.id()))
				.findFirst().orElseThrow();
		assertThat(registered.path()).endsWith("java");
		look.close().block(WAIT);

		PeerCollaboration bob = PeerCollaboration.builder().identity(PeerIdentity.generate("bob")).nickname("bob")
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1")).build();
		open.add(bob);
		bob.signIn(PeerScope.INTERNET).block(WAIT);
		InvitationResponse response = bob.peer(alice, aliceEndPoint)
				.invite(Chat.CHAT, "shall we chat?", null).block(WAIT);
		assertThat(response.status()).as(response.message()).isEqualTo(InvitationStatus.ACCEPTED);
		CollaborationSession session = response.session().orElseThrow();

		Path log = dir.resolve("launched-" + Chat.CHAT.id() + ".log");
		LogReader launched = new LogReader(log);
		launched.await("^! started for an invitation from bob: shall we chat\\?$");
		launched.await("^\\* chatting with bob: ");
		session.send("hello alice".getBytes(StandardCharsets.UTF_8)).block(WAIT);
		launched.await("^<bob> hello alice$");

		try (OutputStream commands = Files.newOutputStream(pipe)) {
			Mono<String> answer = session.receive().next().map(m -> m.text()).cache();
			answer.subscribe();
			commands.write("hi bob, it's alice\n".getBytes(StandardCharsets.UTF_8));
			commands.flush();
			assertThat(answer.block(WAIT)).isEqualTo("hi bob, it's alice");
			commands.write("quit\n".getBytes(StandardCharsets.UTF_8));
		}
		launched.await("^\\* detached from my PeerCollab agent$");
		assertThat(launched.text()).doesNotContain("error:", "Exception");

		PeerCollaboration again = PeerCollabAgent.attach(settings).block(WAIT);
		open.add(again);
		PeerCollabAgent.stop(again).block(WAIT);
		assertThat(agentProcess.waitFor(60, TimeUnit.SECONDS)).as("the agent stops when asked").isTrue();
	}

	/** A child JVM on this test's class path, told where the agent is as the agent tells what it launches. */
	private Process java(Path agentDir, String main, String... args) throws IOException {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
				.toString(), "-Xmx256m", "-cp", System.getProperty("surefire.test.class.path",
						System.getProperty("java.class.path")), main));
		command.addAll(List.of(args));
		ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
		pb.environment().put(AgentSettings.DIRECTORY_VARIABLE, agentDir.toString());
		Process p = pb.start();
		processes.add(p);
		return p;
	}

	private static Sinks.Many<String> lines(Process p) {
		Sinks.Many<String> lines = Sinks.many().replay().all();
		Thread reader = new Thread(() -> {
			try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
					StandardCharsets.UTF_8))) {
				for (String line = r.readLine(); line != null; line = r.readLine()) {
					System.out.println("[" + p.pid() + "] " + line);
					synchronized (lines) {
						lines.tryEmitNext(line);
					}
				}
			}
			catch (IOException e) {
				// the process ended
			}
			synchronized (lines) {
				lines.tryEmitComplete();
			}
		}, "child-output-" + p.pid());
		reader.setDaemon(true);
		reader.start();
		return lines;
	}

	/** The launched chat's output, as the agent logs it: lines awaited in order, the file read as it grows. */
	private static final class LogReader {

		private final Path file;
		private int cursor; // lines already matched

		LogReader(Path file) {
			this.file = file;
		}

		String text() {
			try {
				return Files.exists(file) ? Files.readString(file) : "";
			}
			catch (IOException e) {
				return "";
			}
		}

		void await(String regex) {
			Pattern p = Pattern.compile(regex);
			Integer found = Flux.interval(Duration.ZERO, Duration.ofMillis(100))
					.map(t -> text().lines().toList())
					.<Integer>handle((lines, sink) -> {
						for (int i = cursor; i < lines.size(); i++) {
							Matcher m = p.matcher(lines.get(i));
							if (m.find()) {
								sink.next(i);
								return;
							}
						}
					})
					.next()
					.timeout(WAIT, Mono.error(() -> new AssertionError("no line matching " + regex + " within "
							+ WAIT + " in " + file + ":\n" + text())))
					.block();
			cursor = found + 1;
		}
	}
}
