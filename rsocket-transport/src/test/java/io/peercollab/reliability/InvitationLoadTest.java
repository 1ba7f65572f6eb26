// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.CollaborationSession;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.LimitExceededException;
import io.peercollab.Peer;
import io.peercollab.PeerCollaboration;
import io.peercollab.identity.PeerName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Invitations under load, between real endpoints on RSocket + TLS on 127.0.0.1.
 */
@Tag("slow")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InvitationLoadTest {

	static final int SENDERS = 10;
	static final int PER_SENDER = 100;

	private final Endpoints endpoints = new Endpoints();
	private final List<Disposable> subscriptions = new CopyOnWriteArrayList<>();

	@AfterEach
	void stop() {
		subscriptions.forEach(Disposable::dispose);
		endpoints.close();
	}

	@Test
	void aThousandConcurrentInvitationsFromTenPeersEachGetExactlyOneAnswerAndTheCountsMatch() {
		long seed = Long.getLong("peercollab.load.seed", System.nanoTime());
		Random random = new Random(seed);
		PeerCollaboration receiver = endpoints.start("load-receiver", t -> t,
				b -> b.invitationsPerPeerPerMinute(PER_SENDER * 2));
		Map<PeerName, AtomicInteger> acceptedHere = new ConcurrentHashMap<>();
		Map<PeerName, AtomicInteger> declinedHere = new ConcurrentHashMap<>();
		AtomicInteger received = new AtomicInteger();
		List<CollaborationSession> memberSessions = new CopyOnWriteArrayList<>();
		List<Throwable> acceptErrors = new CopyOnWriteArrayList<>();
		subscriptions.add(receiver.invitations().subscribe(inv -> {
			received.incrementAndGet();
			boolean accept;
			synchronized (random) {
				accept = random.nextBoolean();
			}
			if (accept) {
				acceptedHere.computeIfAbsent(inv.sender(), k -> new AtomicInteger()).incrementAndGet();
				inv.accept().subscribe(memberSessions::add, acceptErrors::add);
			}
			else {
				declinedHere.computeIfAbsent(inv.sender(), k -> new AtomicInteger()).incrementAndGet();
				inv.decline("not now").subscribe();
			}
		}));
		List<PeerCollaboration> senders = new ArrayList<>();
		for (int s = 0; s < SENDERS; s++) {
			PeerCollaboration sender = endpoints.start("load-sender-" + s);
			// connect first, so that the measure is of invitations, not of ten TLS handshakes
			Endpoints.peer(sender, receiver).presence().block(Endpoints.WAIT);
			senders.add(sender);
		}

		long started = System.nanoTime();
		List<List<InvitationResponse>> answers = Flux.fromIterable(senders)
				.flatMapSequential(sender -> {
					Peer to = Endpoints.peer(sender, receiver);
					return Flux.range(0, PER_SENDER)
							.flatMap(i -> to.invite(Endpoints.WHITEBOARD, "load " + i, null), PER_SENDER)
							.collectList();
				}, SENDERS)
				.collectList()
				.block(Duration.ofSeconds(60));
		long millis = (System.nanoTime() - started) / 1_000_000;

		int accepted = 0;
		int declined = 0;
		for (int s = 0; s < SENDERS; s++) {
			PeerName name = senders.get(s).name();
			List<InvitationResponse> mine = answers.get(s);
			assertThat(mine).as("answers to sender %d", s).hasSize(PER_SENDER);
			long a = mine.stream().filter(r -> r.status() == InvitationStatus.ACCEPTED).count();
			long d = mine.stream().filter(r -> r.status() == InvitationStatus.DECLINED).count();
			assertThat(a + d).as("sender %d: every answer is ACCEPTED or DECLINED", s).isEqualTo(PER_SENDER);
			assertThat(a).as("sender %d: accepted as counted by the receiver", s)
					.isEqualTo(acceptedHere.getOrDefault(name, new AtomicInteger()).get());
			assertThat(d).as("sender %d: declined as counted by the receiver", s)
					.isEqualTo(declinedHere.getOrDefault(name, new AtomicInteger()).get());
			assertThat(mine).filteredOn(r -> r.status() == InvitationStatus.ACCEPTED)
					.allSatisfy(r -> assertThat(r.session()).isPresent());
			accepted += (int) a;
			declined += (int) d;
		}
		assertThat(received.get()).isEqualTo(SENDERS * PER_SENDER);

		// each sender opens the session of an accepted invitation once the answer reached it
		int acceptedInAll = accepted;
		Endpoints.await(Endpoints.WAIT, "a member session for every accepted invitation",
				() -> memberSessions.size() + acceptErrors.size() == acceptedInAll);
		long sessionsMillis = (System.nanoTime() - started) / 1_000_000;
		assertThat(acceptErrors).isEmpty();
		assertThat(memberSessions).hasSize(accepted);
		System.out.printf("LOAD seed=%d: %d invitations from %d peers answered in %d ms (%d accepted, %d declined); "
				+ "a member session open on the receiver for each accepted one after %d ms%n", seed,
				SENDERS * PER_SENDER, SENDERS, millis, accepted, declined, sessionsMillis);
	}

	@Test
	void aPeerFloodingInvitationsIsLimitedWhileOtherPeersAreStillAnsweredPromptly() {
		int limit = 60;
		PeerCollaboration receiver = endpoints.start("flood-receiver", t -> t,
				b -> b.invitationsPerPeerPerMinute(limit));
		subscriptions.add(receiver.invitations().subscribe(inv -> inv.decline("busy").subscribe()));
		PeerCollaboration flooder = endpoints.start("flood-flooder");
		List<PeerCollaboration> others = new ArrayList<>();
		for (int k = 0; k < 3; k++) {
			PeerCollaboration other = endpoints.start("flood-other-" + k);
			Endpoints.peer(other, receiver).presence().block(Endpoints.WAIT);
			others.add(other);
		}
		Endpoints.peer(flooder, receiver).presence().block(Endpoints.WAIT);

		int flood = 2_000;
		AtomicInteger limited = new AtomicInteger();
		AtomicInteger answered = new AtomicInteger();
		List<Throwable> otherErrors = new CopyOnWriteArrayList<>();
		List<String> limitMessages = new CopyOnWriteArrayList<>();
		Peer target = Endpoints.peer(flooder, receiver);
		Mono<Void> flooding = Flux.range(0, flood)
				.flatMap(i -> target.invite(Endpoints.WHITEBOARD, "flood " + i, null)
						.doOnNext(r -> answered.incrementAndGet())
						.onErrorResume(LimitExceededException.class, e -> {
							if (limited.incrementAndGet() <= 3) {
								limitMessages.add(e.getMessage());
							}
							return Mono.empty();
						}), 64)
				.then();
		// the others invite one after the other, all through the flood, each answer timed
		List<Long> latencies = new CopyOnWriteArrayList<>();
		Mono<Void> politely = Flux.fromIterable(others)
				.flatMap(other -> Flux.range(0, 20).concatMap(i -> {
					long t0 = System.nanoTime();
					return Endpoints.peer(other, receiver).invite(Endpoints.WHITEBOARD, "polite " + i, null)
							.doOnNext(r -> latencies.add((System.nanoTime() - t0) / 1_000))
							.doOnError(otherErrors::add)
							.onErrorResume(e -> Mono.empty());
				}))
				.then();
		long started = System.nanoTime();
		Mono.when(flooding, politely).block(Duration.ofSeconds(60));
		long millis = (System.nanoTime() - started) / 1_000_000;

		List<Long> sorted = latencies.stream().sorted().toList();
		System.out.printf(java.util.Locale.ROOT, "FLOOD %d invitations from one peer in %d ms: %d answered, %d refused "
				+ "with LimitExceededException; 60 polite invitations from 3 other peers: median %.1f ms, max %.1f ms%n",
				flood, millis, answered.get(), limited.get(), sorted.get(sorted.size() / 2) / 1000.0,
				sorted.get(sorted.size() - 1) / 1000.0);
		assertThat(answered.get()).isEqualTo(limit);
		assertThat(limited.get()).isEqualTo(flood - limit);
		assertThat(limitMessages).allSatisfy(m -> assertThat(m).contains("invitationsPerPeerPerMinute (" + limit + ")"));
		assertThat(otherErrors).isEmpty();
		assertThat(latencies).as("latencies of the other peers' invitations, in microseconds").hasSize(60)
				.allSatisfy(us -> assertThat(us).isLessThan(2_000_000));
	}
}
