// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.peercollab.CollaborationSession;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.Peer;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.identity.PeerName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer process ({@link PeerProcessMain}, a child JVM) is killed with SIGKILL while this JVM has an invitation pending
 * with it, hosts a session with it, is a member of a session it hosts, and follows its presence. Both sides use a
 * keepalive of {@value #INTERVAL_MS} ms / {@value #MAX_LIFE_TIME_MS} ms.
 */
@Tag("slow")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PeerProcessCrashTest {

	static final long INTERVAL_MS = 200;
	static final long MAX_LIFE_TIME_MS = 2_000;
	static final Duration BOUND = Duration.ofMillis(MAX_LIFE_TIME_MS + 1_000);

	@TempDir
	Path directory;

	private final Endpoints endpoints = new Endpoints();
	private final List<Disposable> subscriptions = new CopyOnWriteArrayList<>();
	private ChildJvm child;

	@AfterEach
	void stop() {
		subscriptions.forEach(Disposable::dispose);
		if (child != null) {
			child.close();
		}
		endpoints.close();
	}

	@Test
	void aKilledPeerFailsItsPendingInvitationAndSessionsWithinTheKeepAliveBoundAndLeavesThisEndpointWhole()
			throws Exception {
		PeerCollaboration me = endpoints.start("crash-me",
				t -> t.keepAlive(Duration.ofMillis(INTERVAL_MS), Duration.ofMillis(MAX_LIFE_TIME_MS)), b -> b);
		Sinks.One<CollaborationSession> invitedHere = Sinks.one();
		subscriptions.add(me.invitations().subscribe(inv -> inv.accept().subscribe(invitedHere::tryEmitValue,
				invitedHere::tryEmitError)));

		long spawn = System.nanoTime();
		child = ChildJvm.start(PeerProcessMain.class, directory.resolve("child-stderr.txt"),
				Long.toString(INTERVAL_MS), Long.toString(MAX_LIFE_TIME_MS), me.name().toString(),
				Integer.toString(me.endPoints().get(0).tcpAddress().getPort()));
		// a JVM start, a certificate and a bind: seconds, and more on a busy machine
		PeerName childName = PeerName.parse(child.expect("NAME ", Duration.ofSeconds(60)));
		int childPort = Integer.parseInt(child.expect("PORT ", Endpoints.WAIT));
		child.expect("READY", Endpoints.WAIT);
		System.out.println("child peer " + childName + " up at port " + childPort + " after "
				+ (System.nanoTime() - spawn) / 1_000_000 + " ms");
		Peer peer = me.peer(childName, PeerEndPoint.of(new InetSocketAddress("127.0.0.1", childPort)));

		// A session hosted here, one hosted there, a follower and an invitation it never answers.
		InvitationResponse accepted = peer.invite(Endpoints.WHITEBOARD, "accept", null).block(Endpoints.WAIT);
		assertThat(accepted.status()).isEqualTo(InvitationStatus.ACCEPTED);
		CollaborationSession hosted = accepted.session().orElseThrow();
		child.send("INVITE");
		assertThat(child.expect("INVITED ", Endpoints.WAIT)).isEqualTo("ACCEPTED");
		CollaborationSession member = invitedHere.asMono().block(Endpoints.WAIT);
		assertThat(roundTrip(hosted, "to the child")).isEqualTo("to the child");
		assertThat(roundTrip(member, "from a member")).isEqualTo("from a member");

		List<PeerEvent> followed = new CopyOnWriteArrayList<>();
		AtomicLong offlineAt = new AtomicLong();
		AtomicReference<Throwable> followerError = new AtomicReference<>();
		subscriptions.add(peer.events().subscribe(e -> {
			followed.add(e);
			if (e instanceof PresenceChange p && p.type() == io.peercollab.ChangeType.REMOVED) {
				offlineAt.compareAndSet(0, System.nanoTime());
			}
		}, followerError::set));
		Endpoints.await(Endpoints.WAIT, "three presence changes followed",
				() -> followed.stream().filter(e -> e instanceof PresenceChange).count() >= 3);

		AtomicLong invitationFailedAt = new AtomicLong();
		AtomicReference<Throwable> invitationError = new AtomicReference<>();
		subscriptions.add(peer.invite(Endpoints.WHITEBOARD, "ignore", null).subscribe(r -> invitationError.set(
				new AssertionError("the ignored invitation was answered: " + r)), e -> {
					invitationError.set(e);
					invitationFailedAt.set(System.nanoTime());
				}));
		child.expect("PENDING ", Endpoints.WAIT);
		AtomicLong hostedClosedAt = new AtomicLong();
		AtomicLong memberClosedAt = new AtomicLong();
		AtomicReference<Throwable> hostedEnd = new AtomicReference<>();
		AtomicReference<Throwable> memberEnd = new AtomicReference<>();
		// a crash is not a goodbye: both sessions must fail, not complete
		subscriptions.add(hosted.onClose().subscribe(null, e -> {
			hostedEnd.set(e);
			hostedClosedAt.set(System.nanoTime());
		}, () -> hostedClosedAt.set(System.nanoTime())));
		subscriptions.add(member.onClose().subscribe(null, e -> {
			memberEnd.set(e);
			memberClosedAt.set(System.nanoTime());
		}, () -> memberClosedAt.set(System.nanoTime())));

		// the member changes say the same: the child was lost (not a goodbye), then the stream ends with the session
		List<io.peercollab.SessionMemberChange> hostedMembers = new CopyOnWriteArrayList<>();
		List<io.peercollab.SessionMemberChange> memberMembers = new CopyOnWriteArrayList<>();
		AtomicLong hostedMembersDone = new AtomicLong();
		AtomicLong memberMembersDone = new AtomicLong();
		subscriptions.add(hosted.memberChanges().subscribe(hostedMembers::add, null,
				() -> hostedMembersDone.set(System.nanoTime())));
		subscriptions.add(member.memberChanges().subscribe(memberMembers::add, null,
				() -> memberMembersDone.set(System.nanoTime())));

		long killedAt = System.nanoTime();
		child.kill();
		int eventsAtKill = followed.size();
		Endpoints.await(BOUND, "the pending invitation to fail", () -> invitationFailedAt.get() != 0);
		Endpoints.await(BOUND, "the hosted session to end", () -> hostedClosedAt.get() != 0);
		Endpoints.await(BOUND, "the member session to end", () -> memberClosedAt.get() != 0);
		Endpoints.await(BOUND, "the follower to read the peer offline", () -> offlineAt.get() != 0);
		long invitationMs = (invitationFailedAt.get() - killedAt) / 1_000_000;
		long hostedMs = (hostedClosedAt.get() - killedAt) / 1_000_000;
		long memberMs = (memberClosedAt.get() - killedAt) / 1_000_000;
		long offlineMs = (offlineAt.get() - killedAt) / 1_000_000;
		assertThat(hostedEnd.get()).as("the hosted session fails").isInstanceOf(PeerUnreachableException.class);
		assertThat(memberEnd.get()).as("the member session fails").isInstanceOf(PeerUnreachableException.class);

		assertThat(invitationError.get()).isInstanceOf(PeerUnreachableException.class)
				.hasMessageContaining(childName.toString());
		assertThat(hosted.send(Endpoints.utf8("anyone?")).onErrorResume(Mono::error).then(Mono.<Throwable>empty())
				.onErrorResume(Mono::just).block(Endpoints.WAIT)).isInstanceOf(PeerUnreachableException.class);
		assertThat(member.send(Endpoints.utf8("anyone?")).then(Mono.<Throwable>empty()).onErrorResume(Mono::just)
				.block(Endpoints.WAIT)).isInstanceOf(PeerUnreachableException.class);
		assertThat(hosted.members()).isEmpty();
		Endpoints.await(BOUND, "the member changes to end", () -> hostedMembersDone.get() != 0
				&& memberMembersDone.get() != 0);
		for (List<io.peercollab.SessionMemberChange> changes : List.of(hostedMembers, memberMembers)) {
			assertThat(changes).hasSize(2);
			assertThat(changes.get(0)).isEqualTo(new io.peercollab.SessionMemberChange(io.peercollab.ChangeType.ADDED,
					childName, java.util.Optional.empty()));
			assertThat(changes.get(1).type()).isEqualTo(io.peercollab.ChangeType.REMOVED);
			assertThat(changes.get(1).member()).isEqualTo(childName);
			assertThat(changes.get(1).lost()).as("lost, not a goodbye").get().isInstanceOf(PeerUnreachableException.class);
		}
		System.out.printf("MEASURED member changes after SIGKILL: host's side REMOVED (lost) and ended after %d ms, "
				+ "member's after %d ms%n", (hostedMembersDone.get() - killedAt) / 1_000_000,
				(memberMembersDone.get() - killedAt) / 1_000_000);
		long presenceStarted = System.nanoTime();
		assertThat(peer.presence().then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(Endpoints.WAIT))
				.isInstanceOf(PeerUnreachableException.class);
		long presenceMs = (System.nanoTime() - presenceStarted) / 1_000_000;

		// The follower reads the peer offline once, and retries in the background (the peer might come back): it
		// neither fails nor invents other events.
		Mono.delay(Duration.ofMillis(MAX_LIFE_TIME_MS)).block();
		assertThat(followerError.get()).isNull();
		assertThat(followed).hasSize(eventsAtKill + 1);
		assertThat(followed.get(followed.size() - 1)).isInstanceOfSatisfying(PresenceChange.class,
				p -> assertThat(p.type()).isEqualTo(io.peercollab.ChangeType.REMOVED));

		// This endpoint is whole: it still invites a live peer and hosts a working session with it.
		PeerCollaboration other = endpoints.start("crash-other");
		subscriptions.add(other.invitations().subscribe(inv -> inv.accept().subscribe(s -> s.receive()
				.concatMap(m -> s.send(m.data()), 1).subscribe(null, e -> {
				}), e -> {
				})));
		InvitationResponse again = Endpoints.peer(me, other).invite(Endpoints.WHITEBOARD, "still here?", null)
				.block(Endpoints.WAIT);
		assertThat(again.status()).isEqualTo(InvitationStatus.ACCEPTED);
		assertThat(roundTrip(again.session().orElseThrow(), "after the crash")).isEqualTo("after the crash");
		assertThat(Endpoints.peer(other, me).presence().block(Endpoints.WAIT)).isEqualTo(PresenceInfo.ONLINE);

		System.out.printf("CRASH keepalive %d/%d ms: pending invitation failed after %d ms, hosted session failed "
				+ "after %d ms, member session failed after %d ms, follower read the peer offline after %d ms, a new "
				+ "request failed in %d ms; %d events followed before the kill%n", INTERVAL_MS,
				MAX_LIFE_TIME_MS, invitationMs, hostedMs, memberMs, offlineMs, presenceMs, eventsAtKill);
		assertThat(List.of(invitationMs, hostedMs, memberMs, offlineMs)).allSatisfy(ms -> assertThat(ms)
				.isLessThanOrEqualTo(BOUND.toMillis()));
	}

	private static String roundTrip(CollaborationSession session, String text) {
		Mono<String> echoed = session.receive().next().map(m -> m.text()).cache();
		echoed.subscribe();
		session.send(Endpoints.utf8(text)).block(Endpoints.WAIT);
		return echoed.block(Endpoints.WAIT);
	}
}
