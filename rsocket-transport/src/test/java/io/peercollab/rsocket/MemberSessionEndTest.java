// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.peercollab.CollaborationContract;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.NoPeersDiscovery;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.PeerUnreachableException;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * A member's session ends when the host's side goes away, in every way it can go: the host disposing its session,
 * signing out, or closing its endpoint. As {@code CollaborationSession} documents, the member's {@code receive()}
 * first delivers what it buffered, then completes (a goodbye) or fails with {@link PeerUnreachableException} (the
 * connection went away first), and {@code onClose()} ends the same way; it never hangs.
 */
class MemberSessionEndTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static PeerIdentity alice;
	private static PeerIdentity bob;

	private final List<PeerCollaboration> open = new ArrayList<>();

	@BeforeAll
	static void identities() {
		alice = PeerIdentity.generate("alice");
		bob = PeerIdentity.generate("bob");
	}

	@AfterEach
	void close() {
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
	}

	private record Sides(PeerCollaboration hostEndpoint, CollaborationSession host, CollaborationSession member) {
	}

	private Sides open() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
		Mono<CollaborationSession> joined = b.invitations().next().flatMap(Invitation::accept).cache();
		joined.subscribe();
		InvitationResponse answer = a.peer(b.name(), b.endPoints().get(0))
				.invite(CollaborationContract.WHITEBOARD, "", null).block(WAIT);
		assertThat(answer.status()).isEqualTo(InvitationStatus.ACCEPTED);
		return new Sides(a, answer.session().orElseThrow(), joined.block(WAIT));
	}

	private PeerCollaboration endpoint(PeerIdentity id) {
		PeerCollaboration c = PeerCollaboration.builder().identity(id)
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1"))
				.discovery(new NoPeersDiscovery()).build();
		open.add(c);
		c.signIn(PeerScope.ALL).block(WAIT);
		return c;
	}

	@Test
	void theHostDisposingItsSessionCompletesTheMembersAfterWhatWasSent() {
		Sides s = open();
		s.host().send("last".getBytes(StandardCharsets.UTF_8)).block(WAIT);
		s.host().dispose();

		StepVerifier.create(s.member().receive())
				.assertNext(m -> assertThat(m.text()).isEqualTo("last"))
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(s.member().onClose()).expectComplete().verify(WAIT);
		assertThat(s.member().isDisposed()).isTrue();
		assertThat(s.member().members()).isEmpty();
	}

	@Test
	void theHostDisposingItsSessionEndsAMemberThatIsReceiving() {
		Sides s = open();
		StepVerifier.create(s.member().receive())
				.then(() -> s.host().send("last".getBytes(StandardCharsets.UTF_8)).block(WAIT))
				.assertNext(m -> assertThat(m.text()).isEqualTo("last"))
				.then(() -> s.host().dispose())
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(s.member().onClose()).expectComplete().verify(WAIT);
	}

	/**
	 * Large messages both ways over TCP and TLS (each written in 16 KiB pieces): 24 MiB from the host in 64 KiB
	 * messages after small ones, and back, all in order; then the host's goodbye completes the member's session.
	 */
	@Test
	void largeMessagesAfterSmallOnesAllArriveBothWays() {
		Sides s = open();
		int count = 384;
		// every message's bytes are its index's: a message lost, repeated, reordered or changed shows
		Flux<byte[]> messages = Flux.concat(Flux.range(0, 20).map(i -> new byte[] {i.byteValue()}),
				Flux.range(20, count).map(MemberSessionEndTest::large));
		Mono<Long> memberGot = s.member().receive().take(20 + count).index().doOnNext(m -> assertThat(m.getT2().data())
				.isEqualTo(m.getT1() < 20 ? new byte[] {(byte) (long) m.getT1()} : large((int) (long) m.getT1())))
				.count().cache();
		Mono<Long> hostGot = s.host().receive().take(20 + count).index().doOnNext(m -> assertThat(m.getT2().data())
				.isEqualTo(m.getT1() < 20 ? new byte[] {(byte) (long) m.getT1()} : large((int) (long) m.getT1())))
				.count().cache();
		memberGot.subscribe();
		hostGot.subscribe();
		StepVerifier.create(Mono.when(s.host().send(messages), s.member().send(messages))
				.then(Mono.zip(memberGot, hostGot)))
				.assertNext(t -> {
					assertThat(t.getT1()).isEqualTo(20L + count);
					assertThat(t.getT2()).isEqualTo(20L + count);
				})
				.verifyComplete();
	}

	/** @return 64 KiB of bytes drawn from {@code i} */
	private static byte[] large(int i) {
		byte[] b = new byte[65_536];
		new java.util.Random(i).nextBytes(b);
		return b;
	}

	/** Repeated: the sign-out comes right after the session opened, before the member's first frame can arrive. */
	@org.junit.jupiter.api.RepeatedTest(5)
	void theHostSigningOutCompletesTheMembersSession() {
		Sides s = open();
		StepVerifier.create(s.member().receive())
				.then(() -> s.hostEndpoint().signOut(PeerScope.ALL).block(WAIT))
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(s.member().onClose()).expectComplete().verify(WAIT);
	}

	@Test
	void theHostClosingItsEndpointEndsTheMembersSession() {
		Sides s = open();
		StepVerifier.create(ended(s.member().receive()))
				.then(() -> s.hostEndpoint().close().block(WAIT))
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(ended(s.member().onClose())).expectComplete().verify(WAIT);
	}

	@Test
	void theHostClosingItsEndpointEndsAMemberThatDoesNotReceive() {
		Sides s = open();
		s.hostEndpoint().close().block(WAIT);
		StepVerifier.create(ended(s.member().onClose())).expectComplete().verify(WAIT);
		assertThat(s.member().isDisposed()).isTrue();
	}

	/** @return completes when {@code p} completes or fails with {@link PeerUnreachableException}, the two ends allowed */
	private static Mono<Void> ended(org.reactivestreams.Publisher<?> p) {
		return Flux.from(p).then().onErrorResume(PeerUnreachableException.class, e -> Mono.empty());
	}

	@org.junit.jupiter.api.RepeatedTest(5)
	void theHostCrashingFailsAMemberThatDoesNotReceive() {
		Sides s = open();
		io.peercollab.internal.engine.TestAccess.crashTransport(s.hostEndpoint());
		StepVerifier.create(s.member().onClose()).expectError(PeerUnreachableException.class).verify(WAIT);
	}

	@org.junit.jupiter.api.RepeatedTest(5)
	void theHostsConnectionBreakingFailsTheMember() {
		Sides s = open();
		io.peercollab.internal.engine.TestAccess.cutConnection(s.hostEndpoint(), open.get(1));
		StepVerifier.create(s.member().onClose()).expectError(PeerUnreachableException.class).verify(WAIT);
	}

	@org.junit.jupiter.api.RepeatedTest(5)
	void theHostCrashingWhileTheMemberSendsFailsTheMember() {
		Sides s = open();
		s.member().send(Flux.range(0, 100_000).map(i -> new byte[100])).subscribe(null, e -> { });
		io.peercollab.internal.engine.TestAccess.crashTransport(s.hostEndpoint());
		StepVerifier.create(s.member().onClose()).expectError(PeerUnreachableException.class).verify(WAIT);
	}

	@org.junit.jupiter.api.RepeatedTest(5)
	void theHostDisposingWhileTheMemberSendsCompletesTheMember() {
		Sides s = open();
		s.member().send(Flux.range(0, 100_000).map(i -> new byte[100])).subscribe(null, e -> { });
		s.host().dispose();
		StepVerifier.create(s.member().onClose()).expectComplete().verify(WAIT);
	}

	/**
	 * The reader of a member's session goes away ({@code take(1)}) while the host goes on sending more than the
	 * buffer holds, then the host disposes its session: the member's session must still end, through the next
	 * reader, with every message in order and then completion. (It used to hang: the first reader's cancel left the
	 * receive buffer unable to deliver or to take another subscriber, so the member never read the host's goodbye.)
	 */
	@Test
	void theHostDisposingEndsAMemberWhoseFirstReaderWentAway() {
		Sides s = open();
		StepVerifier.create(s.member().receive().take(1))
				.then(() -> s.host().send("first".getBytes(StandardCharsets.UTF_8)).block(WAIT))
				.assertNext(m -> assertThat(m.text()).isEqualTo("first"))
				.verifyComplete();
		int more = 2 * CollaborationSession.RECEIVE_BUFFER;
		Mono<Void> sent = s.host().send(Flux.range(0, more).map(i -> Integer.toString(i)
				.getBytes(StandardCharsets.UTF_8))).cache();
		sent.subscribe(null, e -> { });

		StepVerifier.create(s.member().receive().map(m -> m.text()))
				.expectNextSequence(java.util.stream.IntStream.range(0, more).mapToObj(Integer::toString).toList())
				.then(() -> {
					sent.block(WAIT);
					s.host().dispose();
				})
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(s.member().onClose()).expectComplete().verify(WAIT);
	}
}
