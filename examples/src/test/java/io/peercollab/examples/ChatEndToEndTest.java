// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The chat as a person runs it: each chat is a child JVM, {@code java -jar peercollab-chat.jar} when the build has made
 * the jar (the {@code chat-jar-test} execution passes its path in {@code peercollab.chat.jar}), else the main class on
 * this test's class path. Its input and output are pipes, so it runs on JLine's dumb terminal: what is checked is the
 * plain text a person sees there. Loopback only: {@code --interface lo}, and a service type of this test's own so that
 * no other endpoint on the machine shows up.
 */
@Tag("slow")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChatEndToEndTest {

	/** Generous bound for one event: a JVM start, a TLS handshake, discovery (about 4 s on loopback). */
	private static final Duration EVENT = Duration.ofSeconds(30);

	@TempDir
	Path tmp;

	private final String serviceType = String.format(Locale.ROOT, "_chate2e%08x._tcp.local.",
			ThreadLocalRandom.current().nextInt());
	private final List<ChatProcess> started = new ArrayList<>();

	@AfterEach
	void endWhatIsStillRunning() {
		for (ChatProcess p : started) {
			p.process.destroy();
		}
		for (ChatProcess p : started) {
			try {
				if (!p.process.waitFor(20, TimeUnit.SECONDS)) {
					p.process.destroyForcibly();
				}
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Test
	void versionNamesTheVersionAndTheCommit() throws Exception {
		ChatProcess chat = run("--version");
		Matcher m = chat.await("^peercollab-chat (\\d+\\.\\d+\\.\\d+(?:-SNAPSHOT)?) \\(commit ([0-9a-f]{7,40}|unknown)"
				+ "(, with uncommitted changes)?\\)$");
		assertThat(chat.exitCode()).isZero();
		assertThat(m.group(1)).isEqualTo(projectVersion());
		String head = gitHead();
		if (head != null) {
			assertThat(head).as("the commit this build was made from").startsWith(m.group(2));
		}
	}

	@Test
	void helpShowsTheUsage() {
		ChatProcess chat = run("--help");
		chat.awaitInOrder("^Usage: chat ", "--dht ", "--home, --data-dir=DIR", "--interface=NAME", "--nickname=NAME",
				"-V, --version", "Once it runs, type help for its commands.");
		assertThat(chat.exitCode()).isZero();
	}

	@Test
	void twoChatsMeetTalkQuitAndComeBackAsTheSamePeopleWithTheirContacts() throws IOException {
		Path aliceHome = tmp.resolve("alice");
		Path bobHome = tmp.resolve("bob");
		ChatProcess alice = chat(aliceHome, "--nickname", "alice");
		ChatProcess bob = chat(bobHome, "--nickname", "bob");
		String aliceName = alice.await("^\\* I am alice \\((\\S+)\\), listening at 127\\.0\\.0\\.1:\\d+$").group(1);
		alice.await("^\\* my identity and contacts are kept in " + Pattern.quote(aliceHome.toString()) + "$");
		String bobName = bob.await("^\\* I am bob \\((\\S+)\\), listening at 127\\.0\\.0\\.1:\\d+$").group(1);
		alice.await("^\\* bob joined$");
		bob.await("^\\* alice joined$");

		// One chat per home: a second alice is told so, before it touches anything.
		ChatProcess twin = chat(aliceHome);
		assertThat(twin.exitCode()).isEqualTo(1);
		assertThat(twin.stderrText()).startsWith("error: another chat runs with the home " + aliceHome + "; ")
				.doesNotContain("Exception");

		alice.type("frobnicate"); // outside a chat: a mistake, one line
		alice.await("^error: unknown command 'frobnicate'");
		alice.type("peers");
		alice.await("^  1\\. bob +ONLINE$");
		alice.type("invite bob let's talk!");
		alice.await("^\\* invited bob, waiting for an answer$");
		bob.await("^! invitation from alice: let's talk! \\(accept or decline\\)$");
		bob.type("accept");
		bob.await("^\\* chatting with alice: ");
		alice.await("^! bob accepted$");
		alice.type("hello bob");
		bob.await("^<alice> hello bob$");
		bob.type("hi alice");
		alice.await("^<bob> hi alice$");

		alice.type("add bob");
		alice.await("^\\* added bob as a contact$");

		bob.type("quit");
		bob.await("^\\* signed out$");
		assertThat(bob.exitCode()).isZero();
		alice.await("^\\* the chat with bob ended$");
		alice.type("quit");
		alice.await("^\\* signed out$");
		assertThat(alice.exitCode()).isZero();

		// Same home, no nickname given: the same alice, with bob as her contact, and her history.
		ChatProcess again = chat(aliceHome);
		assertThat(again.await("^\\* I am alice \\((\\S+)\\)").group(1)).isEqualTo(aliceName);
		again.type("contacts");
		again.await("^  bob +(OFFLINE|unreachable)$");
		again.type("quit");
		assertThat(again.exitCode()).isZero();
		assertThat(Files.readString(aliceHome.resolve("history"))).contains("invite bob let's talk!", "add bob");
		if (aliceHome.getFileSystem().supportedFileAttributeViews().contains("posix")) {
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(aliceHome))).isEqualTo("rwx------");
		}
		assertThat(bobName).isNotEqualTo(aliceName);

		for (ChatProcess chat : List.of(alice, bob, again)) {
			assertThat(chat.transcript()).as("plain text on a dumb terminal: no colour, no escape sequence")
					.noneMatch(l -> l.contains("\u001b"));
			assertThat(chat.transcript()).as("no stack trace").noneMatch(l -> l.startsWith("\tat ")
					|| l.contains("Exception"));
		}
		assertThat(alice.errorLines()).hasSize(1);
		assertThat(bob.errorLines()).isEmpty();
		assertThat(again.errorLines()).isEmpty();
	}

	@Test
	void onATerminalItCompletesColoursShowsAStatusLineAndRemembersHistoryAcrossRuns() {
		Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")),
				"util-linux script(1), which gives the chat a pseudo-terminal, is not installed");
		Path carolHome = tmp.resolve("carol");
		ChatProcess bob = chat(tmp.resolve("bob"), "--nickname", "bob");
		TerminalChat carol = new TerminalChat(command(chatArgs(carolHome, "--nickname", "carol")));
		carol.await("\\* I am carol \\(");
		assertThat(carol.raw()).as("events in colour").contains("\u001b[36m* I am carol");
		carol.await("1 peer near me"); // the status line, updated just before the event is printed
		carol.await("\\* bob joined");
		bob.await("^\\* carol joined$");

		carol.type("pe\t\r"); // completes to peers
		carol.await("1\\. bob +ONLINE");
		carol.type("invite b\t hi\r"); // completes to invite bob
		bob.await("^! invitation from carol: hi \\(accept or decline\\)$");
		bob.type("decline");
		carol.await("! bob declined");
		carol.type("quit\r");
		carol.await("\\* signed out");
		assertThat(carol.exitCode()).isZero();

		// The same carol again: Ctrl-P twice brings back the invitation of the last run.
		TerminalChat again = new TerminalChat(command(chatArgs(carolHome)));
		again.await("\\* I am carol \\(");
		again.await("\\* bob joined");
		again.type("\u0010\u0010\r");
		bob.await("^! invitation from carol: hi \\(accept or decline\\)$");
		again.type("quit\r");
		again.await("\\* signed out");
		assertThat(again.exitCode()).isZero();
		bob.type("quit");
		assertThat(bob.exitCode()).isZero();
	}

	private List<String> chatArgs(Path home, String... more) {
		List<String> args = new ArrayList<>(List.of("--home", home.toString(), "--interface", "lo",
				"--password", "test-only", "--service-type", serviceType));
		args.addAll(List.of(more));
		return args;
	}

	private ChatProcess chat(Path home, String... more) {
		return run(chatArgs(home, more).toArray(String[]::new));
	}

	/** The chat in a child JVM: the jar the build made, else the main class on this test's class path. */
	private ChatProcess run(String... args) {
		ChatProcess p = new ChatProcess(command(List.of(args)), tmp.resolve("stderr-" + started.size() + ".txt"));
		started.add(p);
		return p;
	}

	private static List<String> command(List<String> args) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		String jar = System.getProperty("peercollab.chat.jar");
		if (jar != null) {
			command.addAll(List.of("-jar", jar));
		}
		else {
			command.addAll(List.of("-cp", System.getProperty("surefire.test.class.path",
					System.getProperty("java.class.path")), "io.peercollab.examples.chat.Chat"));
		}
		command.addAll(args);
		return command;
	}

	private static String projectVersion() throws IOException {
		String pom = Files.readString(Path.of("pom.xml"));
		Matcher m = Pattern.compile("<parent>.*?<version>([^<]+)</version>", Pattern.DOTALL).matcher(pom);
		assertThat(m.find()).isTrue();
		return m.group(1);
	}

	/** The commit checked out here, or {@code null} outside a Git checkout or without git. */
	private static String gitHead() {
		try {
			Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
			String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
			boolean ok = git.waitFor(20, TimeUnit.SECONDS) && git.exitValue() == 0 && out.matches("[0-9a-f]{40}");
			return ok ? out : null;
		}
		catch (IOException e) {
			return null;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return null;
		}
	}

	/**
	 * A chat on a pseudo-terminal of 30 rows and 120 columns, made by util-linux {@code script}, as an xterm: what it
	 * prints is read as a person's terminal shows it, escape sequences (colours, cursor moves) taken out.
	 */
	final class TerminalChat {

		private final Process process;
		private final java.io.OutputStream input;
		private final StringBuilder raw = new StringBuilder();
		private int cursor; // in the text without escape sequences

		TerminalChat(List<String> command) {
			String shell = "stty rows 30 cols 120; exec " + command.stream()
					.map(a -> "'" + a.replace("'", "'\\''") + "'") // quoted for sh
					.collect(java.util.stream.Collectors.joining(" "));
			ProcessBuilder pb = new ProcessBuilder("/usr/bin/script", "-qfec", shell, "/dev/null")
					.redirectErrorStream(true);
			pb.environment().put("TERM", "xterm-256color");
			try {
				process = pb.start();
			}
			catch (IOException e) {
				throw new UncheckedIOException(e);
			}
			started.add(new ChatProcess(process));
			input = process.getOutputStream();
			Thread reader = new Thread(() -> {
				try (InputStreamReader r = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
					char[] buffer = new char[4096];
					for (int n; (n = r.read(buffer)) >= 0; ) {
						synchronized (raw) {
							raw.append(buffer, 0, n);
							raw.notifyAll();
						}
					}
				}
				catch (IOException e) {
					// the process ended
				}
			}, "terminal-output-" + process.pid());
			reader.setDaemon(true);
			reader.start();
		}

		/** Sends keys as typed: {@code \r} is Enter, {@code \t} Tab. */
		void type(String keys) {
			try {
				input.write(keys.getBytes(StandardCharsets.UTF_8));
				input.flush();
			}
			catch (IOException e) {
				throw new UncheckedIOException(e);
			}
		}

		String raw() {
			synchronized (raw) {
				return raw.toString();
			}
		}

		/** Waits for text matching {@code regex} on the screen after what was awaited last. */
		void await(String regex) {
			Pattern p = Pattern.compile(regex);
			long deadline = System.nanoTime() + EVENT.toNanos();
			synchronized (raw) {
				while (true) {
					String text = plain(raw.toString());
					Matcher m = p.matcher(text);
					if (m.find(Math.min(cursor, text.length()))) {
						cursor = m.end();
						return;
					}
					long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
					if (left <= 0) {
						fail("no text matching " + regex + " within " + EVENT + "; the terminal shows:\n" + text);
					}
					try {
						raw.wait(left);
					}
					catch (InterruptedException e) {
						Thread.currentThread().interrupt();
						throw new AssertionError(e);
					}
				}
			}
		}

		int exitCode() {
			try {
				if (!process.waitFor(EVENT.toSeconds(), TimeUnit.SECONDS)) {
					fail("the chat did not exit; the terminal shows:\n" + plain(raw()));
				}
				return process.exitValue();
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new AssertionError(e);
			}
		}

		/** The text without escape sequences (CSI, OSC, ESC + one character), bells and carriage returns. */
		private static String plain(String s) {
			return s.replaceAll("\u001b\\[[0-?]*[ -/]*[@-~]", "")
					.replaceAll("\u001b\\][^\u0007]*\u0007", "")
					.replaceAll("\u001b.", "")
					.replaceAll("[\u0007\r]", "");
		}
	}

	/** A chat process with a pipe for its input and a queue of the lines it prints. */
	static final class ChatProcess {

		final Process process;
		private final Path stderr;
		private final PrintWriter input;
		private final BlockingQueue<String> output = new LinkedBlockingQueue<>();
		private final List<String> seen = new CopyOnWriteArrayList<>();
		private int cursor;

		/** Only to be ended after the test: a process read by someone else. */
		ChatProcess(Process process) {
			this.process = process;
			this.stderr = null;
			this.input = null;
		}

		ChatProcess(List<String> command, Path stderr) {
			this.stderr = stderr;
			try {
				this.process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
			}
			catch (IOException e) {
				throw new UncheckedIOException(e);
			}
			this.input = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8),
					true);
			Thread reader = new Thread(() -> {
				try (BufferedReader r = new BufferedReader(
						new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
					for (String line; (line = r.readLine()) != null; ) {
						output.add(line);
					}
				}
				catch (IOException e) {
					// the process ended
				}
			}, "chat-output-" + process.pid());
			reader.setDaemon(true);
			reader.start();
		}

		/** Types a line (without its end, a line may carry tabs: completion) and Enter. */
		void type(String line) {
			input.print(line + "\n");
			input.flush();
		}

		/** The first line after the last one awaited that matches, waiting for it up to {@link #EVENT}. */
		Matcher await(String regex) {
			Pattern p = Pattern.compile(regex);
			long deadline = System.nanoTime() + EVENT.toNanos();
			while (true) {
				while (cursor < seen.size()) {
					Matcher m = p.matcher(seen.get(cursor++));
					if (m.find()) {
						return m;
					}
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
					fail("no line matching " + regex + " within " + EVENT + "; the chat printed:\n"
							+ String.join("\n", transcript()) + "\nand on stderr:\n" + stderrText());
				}
				seen.add(line);
			}
		}

		/** Lines containing each text, one after the other. */
		void awaitInOrder(String first, String... more) {
			await(first);
			for (String text : more) {
				await(Pattern.quote(text));
			}
		}

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
				if (!process.waitFor(EVENT.toSeconds(), TimeUnit.SECONDS)) {
					fail("the chat did not exit; it printed:\n" + String.join("\n", transcript()));
				}
				return process.exitValue();
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new AssertionError(e);
			}
		}

		String stderrText() {
			try {
				return Files.readString(stderr);
			}
			catch (IOException e) {
				return "(unreadable: " + e + ")";
			}
		}
	}
}
