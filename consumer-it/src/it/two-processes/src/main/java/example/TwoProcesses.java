// SPDX-License-Identifier: Apache-2.0
package example;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.peercollab.ChangeType;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerScope;
import io.peercollab.SessionMessage;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;

/**
 * What a user's first program does, in two processes on this machine, on nothing but this project's classpath.
 *
 * <p>Run without arguments, this JVM is endpoint B, the inviter: it starts endpoint A ({@code invitee}) as a child JVM
 * on its own classpath, signs in near me, waits until it sees A under the name A printed, invites A into an
 * application, sends "ping" into the session and waits for A's "pong:ping", then closes the session. A exits 0 once it
 * accepted, answered, and saw the session end. This process exits 0 only if every step worked and A exited 0; a
 * watchdog in each process ends it with status 2 after {@link #DEADLINE}, so the build can never hang.
 */
public final class TwoProcesses {

	static final PeerApplication APP = PeerApplication.of(
			UUID.fromString("5d0c3c52-1f8e-4a8e-9b7e-6f1f0f7a2c11"), "Consumer check", PeerScope.NEAR_ME);
	static final Duration STEP = Duration.ofSeconds(45);
	static final Duration CLOSE = Duration.ofSeconds(10);
	static final Duration DEADLINE = Duration.ofSeconds(120);
	static final String NAME_LINE = "ENDPOINT-NAME ";

	static volatile Process child;

	public static void main(String[] args) {
		boolean invitee = args.length > 0 && args[0].equals("invitee");
		String me = invitee ? "A" : "B";
		startWatchdog(me);
		boolean ok;
		try {
			ok = invitee ? invitee() : inviter();
		}
		catch (Throwable t) {
			System.out.println("[" + me + "] failed: " + t);
			t.printStackTrace(System.out);
			ok = false;
		}
		System.out.println("[" + me + "] " + (ok ? "PASSED" : "FAILED"));
		System.out.flush();
		Process c = child;
		if (c != null && c.isAlive()) {
			c.destroyForcibly();
		}
		System.exit(ok ? 0 : 1);
	}

	/** Endpoint A: accepts the first invitation, answers each message with "pong:" + message, ends with the session. */
	static boolean invitee() throws Throwable {
		PeerCollaboration a = endpoint("endpoint-a");
		return closingAfter(a, () -> {
			a.registerApplication(APP).then(a.signIn(PeerScope.NEAR_ME)).block(STEP);
			CompletableFuture<Invitation> invitation = new CompletableFuture<>();
			CompletableFuture<CollaborationSession> accepted = a.invitations()
					.next()
					.doOnNext(invitation::complete)
					.flatMap(Invitation::accept)
					.toFuture();
			System.out.println(NAME_LINE + a.name());                 // B waits for this line
			System.out.flush();
			CollaborationSession session = accepted.get(STEP.toSeconds(), TimeUnit.SECONDS);
			Invitation from = invitation.getNow(null);
			System.out.println("[A] accepted the invitation of " + from.sender());
			long answered = session.receive()
					.concatMap(m -> {
						System.out.println("[A] received \"" + m.text() + "\" from " + m.from());
						if (!m.from().equals(from.sender())) {
							throw new IllegalStateException("message from " + m.from() + ", not from the inviter");
						}
						return session.send(("pong:" + m.text()).getBytes(UTF_8)).thenReturn(m);
					})
					.count()
					.block(STEP);                                          // completes when B closes the session
			System.out.println("[A] session closed by the host after " + answered + " message(s)");
			return answered == 1;
		});
	}

	/** Endpoint B: starts A, finds it near me, invites it, exchanges one message each way. */
	static boolean inviter() throws Throwable {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		Process a = new ProcessBuilder(java.toString(), "-Djava.net.preferIPv4Stack=true",
				"-classpath", System.getProperty("java.class.path"), TwoProcesses.class.getName(), "invitee")
				.redirectErrorStream(true)
				.start();
		child = a;
		CompletableFuture<String> nameOfA = new CompletableFuture<>();
		Thread pump = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(new InputStreamReader(a.getInputStream(), UTF_8))) {
				for (String line; (line = in.readLine()) != null; ) {
					System.out.println("  A> " + line);
					if (line.startsWith(NAME_LINE)) {
						nameOfA.complete(line.substring(NAME_LINE.length()).trim());
					}
				}
			}
			catch (Exception e) {
				nameOfA.completeExceptionally(e);
			}
			nameOfA.completeExceptionally(new IllegalStateException("A ended without printing its name"));
		}, "child-output");
		pump.setDaemon(true);
		pump.start();

		PeerCollaboration b = endpoint("endpoint-b");
		return closingAfter(b, () -> {
			b.registerApplication(APP).then(b.signIn(PeerScope.NEAR_ME)).block(STEP);
			String name = nameOfA.get(STEP.toSeconds(), TimeUnit.SECONDS);
			say("signed in as " + b.name() + "; looking for " + name + " near me");
			PeerNearMe peerA = b.peersNearMe()
					.filter(e -> e.type() == ChangeType.ADDED && e.peer().name().toString().equals(name))
					.blockFirst(STEP)
					.peer();
			say("found A near me; inviting it");
			InvitationResponse response = peerA.invite(APP, "join the consumer check", null).block(STEP);
			say("A answered " + response);
			if (response.status() != InvitationStatus.ACCEPTED || response.session().isEmpty()) {
				return false;
			}
			CollaborationSession session = response.session().get();
			CompletableFuture<SessionMessage> reply = session.receive().next().toFuture();
			session.send("ping".getBytes(UTF_8)).block(STEP);
			SessionMessage pong = reply.get(STEP.toSeconds(), TimeUnit.SECONDS);
			say("received \"" + pong.text() + "\" from " + pong.from());
			boolean exchanged = pong.text().equals("pong:ping") && pong.from().equals(peerA.name());
			session.dispose();
			boolean aExited = a.waitFor(STEP.toSeconds(), TimeUnit.SECONDS);
			int aStatus = aExited ? a.exitValue() : -1;
			say("A " + (aExited ? "exited with " + aStatus : "did not exit in time"));
			return exchanged && aStatus == 0;
		});
	}

	/**
	 * Runs {@code body}, then closes {@code endpoint}. A failure of the body is what gets reported: a close that fails
	 * after it is attached to it as suppressed, so that it can never hide the cause.
	 */
	static boolean closingAfter(PeerCollaboration endpoint, Callable<Boolean> body) throws Throwable {
		boolean ok;
		try {
			ok = body.call();
		}
		catch (Throwable t) {
			try {
				endpoint.close().block(CLOSE);
			}
			catch (Throwable c) {
				t.addSuppressed(c);
			}
			throw t;
		}
		endpoint.close().block(CLOSE);
		return ok;
	}

	static final long START = System.nanoTime();

	/** Prints one line of B's transcript with the time since B started, so the build log shows where time goes. */
	static void say(String line) {
		System.out.printf("[B +%.1f s] %s%n", (System.nanoTime() - START) / 1e9, line);
	}

	static PeerCollaboration endpoint(String classifier) {
		return PeerCollaboration.builder()
				.identity(PeerIdentity.generate(classifier))
				.discovery(MdnsDiscovery.onLoopback())
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1").port(0))
				.build();
	}

	/** Ends this JVM (and its child) with status 2 if the scenario has not finished by {@link #DEADLINE}. */
	static void startWatchdog(String me) {
		Thread watchdog = new Thread(() -> {
			try {
				Thread.sleep(DEADLINE.toMillis());
			}
			catch (InterruptedException e) {
				return;
			}
			System.out.println("[" + me + "] FAILED: not finished after " + DEADLINE.toSeconds() + " s");
			System.out.flush();
			Process c = child;
			if (c != null) {   // A is ended with B, so that nothing outlives the build
				c.destroyForcibly();
			}
			Runtime.getRuntime().halt(2);
		}, "watchdog");
		watchdog.setDaemon(true);
		watchdog.start();
	}
}
