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
				"-V, --version");
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
		alice.type("frobnicate");
		alice.await("^error: unknown command 'frobnicate'");

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

	private ChatProcess chat(Path home, String... more) {
		List<String> args = new ArrayList<>(List.of("--home", home.toString(), "--interface", "lo",
				"--password", "test-only", "--service-type", serviceType));
		args.addAll(List.of(more));
		return run(args.toArray(String[]::new));
	}

	/** The chat in a child JVM: the jar the build made, else the main class on this test's class path. */
	private ChatProcess run(String... args) {
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
		command.addAll(List.of(args));
		ChatProcess p = new ChatProcess(command, tmp.resolve("stderr-" + started.size() + ".txt"));
		started.add(p);
		return p;
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
			return git.waitFor(20, TimeUnit.SECONDS) && git.exitValue() == 0 && out.matches("[0-9a-f]{40}") ? out : null;
		}
		catch (IOException e) {
			return null;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return null;
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

		private String stderrText() {
			try {
				return Files.readString(stderr);
			}
			catch (IOException e) {
				return "(unreadable: " + e + ")";
			}
		}
	}
}
