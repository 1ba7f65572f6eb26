// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.examples.chat.Chat;
import io.peercollab.rsocket.RSocketPeerTransport;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Two chat programs in this JVM, typed into and read through pipes, on loopback only: the transport listens on
 * 127.0.0.1, and discovery runs on loopback with a service type of this test's own, so that no other endpoint on the
 * machine (another test, a demo) shows up among the peers.
 */
@Tag("slow")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChatTest {

	/** Generous bound for one event; discovery takes about 4 s on loopback. */
	private static final Duration EVENT = Duration.ofSeconds(20);

	@TempDir
	Path tmp;

	private final String serviceType = String.format(Locale.ROOT, "_chat%08x._tcp.local.",
			ThreadLocalRandom.current().nextInt());
	private final List<RunningChat> started = new ArrayList<>();

	@AfterEach
	void endWhatIsStillRunning() {
		started.forEach(RunningChat::endInput);
		started.forEach(RunningChat::awaitEndQuietly);
	}

	@Test
	void twoChatsFindEachOtherTalkShareCardsAndKeepTheirIdentityAcrossRestarts() {
		RunningChat alice = start("alice");
		RunningChat bob = start("bob");
		String aliceName = alice.await("^\\* I am alice \\((\\S+)\\), listening at 127\\.0\\.0\\.1:\\d+$").group(1);
		bob.await("^\\* I am bob \\(\\S+\\), listening at 127\\.0\\.0\\.1:\\d+$");
		alice.await("^\\* bob joined$");
		bob.await("^\\* alice joined$");

		// Mistakes get one line each, starting with "error:".
		alice.type("frobnicate");
		assertThat(alice.await("^error: .*").group()).contains("unknown command 'frobnicate'");
		alice.type("invite zed");
		assertThat(alice.await("^error: .*").group()).contains("nobody near me and no contact is called 'zed'");
		bob.type("presence SLEEPY");
		assertThat(bob.await("^error: .*").group()).contains("unknown status 'SLEEPY'");
		bob.type("accept");
		assertThat(bob.await("^error: .*").group()).contains("no invitation is waiting");

		alice.type("peers");
		alice.await("^  1\\. bob +ONLINE$");

		alice.type("invite bob let's talk");
		alice.await("^\\* invited bob, waiting for an answer$");
		bob.await("^! invitation from alice: let's talk \\(accept or decline\\)$");
		bob.type("accept");
		bob.await("^\\* chatting with alice: ");
		alice.await("^! bob accepted$");
		alice.await("^\\* chatting with bob: ");

		alice.type("say hello bob");
		bob.await("^<alice> hello bob$");
		bob.type("hi alice, how are you?");
		alice.await("^<bob> hi alice, how are you\\?$");

		bob.type("presence busy drawing");
		bob.await("^\\* presence BUSY \\(drawing\\)$");
		alice.type("peers");
		alice.await("^  1\\. bob +BUSY \\(drawing\\)$");

		alice.type("add 1");
		alice.await("^\\* added bob as a contact$");
		alice.type("contacts");
		alice.await("^  bob +BUSY \\(drawing\\)$");

		Path card = tmp.resolve("alice-card.xml");
		alice.type("export " + card);
		alice.await("^\\* wrote my contact card to .*alice-card\\.xml$");
		bob.type("import " + card);
		bob.await("^\\* imported alice as a contact$");
		bob.type("contacts");
		bob.await("^  alice +ONLINE$");

		bob.type("quit");
		bob.await("^\\* signed out$");
		assertThat(bob.exitCode()).isZero();
		alice.awaitAll("^\\* bob left$", "^\\* the chat with bob ended$");
		alice.type("quit");
		assertThat(alice.exitCode()).isZero();

		// Same data dir, same identity, same contacts.
		RunningChat again = start("alice");
		assertThat(again.await("^\\* I am alice \\((\\S+)\\)").group(1)).isEqualTo(aliceName);
		again.type("contacts");
		again.await("^  bob +unreachable$");
		again.type("quit");
		assertThat(again.exitCode()).isZero();

		assertThat(alice.errorLines()).hasSize(2);
		assertThat(bob.errorLines()).hasSize(2);
		assertThat(again.errorLines()).isEmpty();
		for (RunningChat chat : List.of(alice, bob, again)) {
			assertThat(chat.transcript()).as("no stack trace").noneMatch(l -> l.startsWith("\tat ")
					|| l.contains("Exception"));
		}
	}

	private RunningChat start(String nickname) {
		RunningChat chat = new RunningChat(nickname, tmp.resolve(nickname), serviceType);
		started.add(chat);
		return chat;
	}

	/** A chat program on a thread of its own, with a pipe for its input and a line queue for its output. */
	static final class RunningChat {

		private final String nickname;
		private final PrintWriter input;
		private final BlockingQueue<String> output = new LinkedBlockingQueue<>();
		private final List<String> seen = new CopyOnWriteArrayList<>();
		private final CompletableFuture<Integer> exit = new CompletableFuture<>();
		private int cursor;

		RunningChat(String nickname, Path dataDir, String serviceType) {
			// "--interface lo" alone would do; the injected settings add a service type of this test's own and a
			// connect timeout that a loaded CI machine's first TLS handshakes stay within.
			this(nickname, dataDir, chat -> chat
					.discovery(MdnsDiscovery.onInterfaces("lo").serviceType(serviceType))
					.transport(RSocketPeerTransport.tcp().host("127.0.0.1").connectTimeout(Duration.ofSeconds(8))));
		}

		/** A chat with settings of the caller's ({@code configure}), started with {@code --interface lo}. */
		RunningChat(String nickname, Path dataDir, java.util.function.UnaryOperator<Chat> configure) {
			this.nickname = nickname;
			PipedInputStream stdin = new PipedInputStream(64 * 1024);
			try {
				this.input = new PrintWriter(new OutputStreamWriter(new PipedOutputStream(stdin), StandardCharsets.UTF_8),
						true);
			}
			catch (IOException e) {
				throw new UncheckedIOException(e);
			}
			Terminal terminal;
			try {
				// what a pipe gives the chat outside tests too: JLine's dumb terminal, plain lines in and out
				terminal = new DumbTerminal("chat-" + nickname, Terminal.TYPE_DUMB, stdin, new LineQueue(output),
						StandardCharsets.UTF_8);
			}
			catch (IOException e) {
				throw new UncheckedIOException(e);
			}
			Chat chat = configure.apply(new Chat(terminal));
			Thread thread = new Thread(() -> {
				try {
					exit.complete(new CommandLine(chat).execute("--nickname", nickname, "--data-dir",
							dataDir.toString(), "--interface", "lo", "--password", "test-only"));
				}
				catch (Throwable t) {
					exit.completeExceptionally(t);
				}
			}, "chat-" + nickname);
			thread.setDaemon(true);
			thread.start();
		}

		void type(String line) {
			input.println(line);
		}

		/** @return the first line after the last one awaited that matches, waiting for it up to {@link #EVENT} */
		Matcher await(String regex) {
			return awaitAll(regex).get(0);
		}

		/** Waits for lines matching each of the patterns, in any order, after the last line awaited. */
		List<Matcher> awaitAll(String... regexes) {
			List<Pattern> patterns = Arrays.stream(regexes).map(Pattern::compile).toList();
			long deadline = System.nanoTime() + EVENT.toNanos();
			while (true) {
				List<Matcher> found = new ArrayList<>();
				int last = cursor - 1;
				for (Pattern p : patterns) {
					for (int i = cursor; i < seen.size(); i++) {
						Matcher m = p.matcher(seen.get(i));
						if (m.find()) {
							found.add(m);
							last = Math.max(last, i);
							break;
						}
					}
				}
				if (found.size() == patterns.size()) {
					cursor = last + 1;
					return found;
				}
				String line;
				try {
					line = output.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					throw new AssertionError(e);
				}
				if (line == null) {
					fail(nickname + " printed no line matching " + patterns + " within " + EVENT + "; it printed:\n"
							+ String.join("\n", transcript()));
				}
				seen.add(line);
			}
		}

		/** @return every line printed so far */
		List<String> transcript() {
			List<String> all = new ArrayList<>(seen);
			output.drainTo(all);
			seen.clear();
			seen.addAll(all);
			return all;
		}

		List<String> errorLines() {
			return transcript().stream().filter(l -> l.startsWith("error:")).toList();
		}

		int exitCode() {
			try {
				return exit.get(EVENT.toSeconds(), TimeUnit.SECONDS);
			}
			catch (Exception e) {
				throw new AssertionError(nickname + " did not exit; it printed:\n" + String.join("\n", transcript()), e);
			}
		}

		/** The end of input: the chat quits as if told to. */
		void endInput() {
			input.close();
		}

		void awaitEndQuietly() {
			try {
				exit.get(EVENT.toSeconds(), TimeUnit.SECONDS);
			}
			catch (Exception e) {
				// the test has failed already, or will say why
			}
		}
	}

	/** Cuts what is written into lines and queues them. */
	static final class LineQueue extends OutputStream {

		private final BlockingQueue<String> lines;
		private final ByteArrayOutputStream line = new ByteArrayOutputStream();

		LineQueue(BlockingQueue<String> lines) {
			this.lines = lines;
		}

		@Override
		public synchronized void write(int b) {
			if (b == '\n') {
				String s = line.toString(StandardCharsets.UTF_8);
				lines.add(s.endsWith("\r") ? s.substring(0, s.length() - 1) : s);
				line.reset();
			}
			else {
				line.write(b);
			}
		}
	}
}
