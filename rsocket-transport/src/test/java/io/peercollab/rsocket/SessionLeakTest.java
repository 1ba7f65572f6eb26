// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.netty.util.ResourceLeakDetector;
import io.peercollab.CollaborationContract;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two endpoints on loopback: one invites, the other accepts, they exchange 10,000 session messages (5,000 each way,
 * in order), and both sign out cleanly, with Netty's leak detection at {@code PARANOID} finding nothing.
 */
@Tag("slow")
class SessionLeakTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@Test
	void tenThousandMessagesExchangedThenCleanSignOutLeakNoBuffer() {
		ResourceLeakDetector.Level previous = ResourceLeakDetector.getLevel();
		ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
		int before = LeakRecorder.LEAKS.size();
		PeerCollaboration a = endpoint("alice");
		PeerCollaboration b = endpoint("bob");
		try {
			a.signIn(PeerScope.INTERNET).block(WAIT);
			b.signIn(PeerScope.INTERNET).block(WAIT);
			// signed in to INTERNET only, Bob shows his applications, and takes invitations, to his contacts only
			b.contacts().add(io.peercollab.contact.PeerContact.of(a.name(), "alice", a.identity().certificate()))
					.block(WAIT);
			b.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
			Mono<CollaborationSession> bobSide = b.invitations().next().flatMap(Invitation::accept).cache();
			bobSide.subscribe();
			var response = a.peer(b.name(), b.endPoints().get(0)).invite(CollaborationContract.WHITEBOARD, "", null)
					.block(WAIT);
			assertThat(response.status()).isEqualTo(InvitationStatus.ACCEPTED);
			CollaborationSession host = response.session().orElseThrow();
			CollaborationSession member = bobSide.block(WAIT);

			int n = 5_000;
			host.send(numbers(n)).subscribe();
			member.send(numbers(n)).subscribe();
			Mono<Boolean> atMember = inOrder(member.receive(), n);
			Mono<Boolean> atHost = inOrder(host.receive(), n);
			StepVerifier.create(Mono.zip(atMember, atHost))
					.assertNext(t -> {
						assertThat(t.getT1()).as("member received 0..4999 in order").isTrue();
						assertThat(t.getT2()).as("host received 0..4999 in order").isTrue();
					})
					.verifyComplete();

			member.dispose();
			StepVerifier.create(host.onClose()).expectComplete().verify(WAIT);
			a.signOut(PeerScope.ALL).block(WAIT);
			b.signOut(PeerScope.ALL).block(WAIT);
		}
		finally {
			Flux.just(a, b).flatMap(PeerCollaboration::close).then().block(WAIT);
			var leaks = LeakDetectionTest.collectLeaks();
			assertThat(leaks.subList(before, leaks.size())).isEmpty();
			ResourceLeakDetector.setLevel(previous);
		}
	}

	private static Flux<byte[]> numbers(int n) {
		return Flux.range(0, n).map(i -> Integer.toString(i).getBytes(StandardCharsets.UTF_8));
	}

	private static Mono<Boolean> inOrder(Flux<SessionMessage> received, int n) {
		return received.take(n).map(SessionMessage::text).index()
				.all(t -> t.getT2().equals(Long.toString(t.getT1())))
				.timeout(Duration.ofSeconds(120));
	}

	private static PeerCollaboration endpoint(String name) {
		return PeerCollaboration.builder().identity(PeerIdentity.generate(name))
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1")).build();
	}
}
