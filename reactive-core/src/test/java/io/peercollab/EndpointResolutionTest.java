// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.PeerNameResolver;
import io.peercollab.spi.PeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A contact is looked up in every source at once, and whoever answers must prove the contact's key.
 */
class EndpointResolutionTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
	private final PeerIdentity alice = PeerIdentity.generate("alice");
	private final PeerIdentity bob = PeerIdentity.generate("bob");
	private final PeerIdentity mallory = PeerIdentity.generate("bob");
	private final List<PeerCollaboration> open = new ArrayList<>();

	private PeerCollaboration endpoint(PeerIdentity id, UnaryOperator<PeerCollaboration.Builder> custom) {
		PeerCollaboration.Builder b = PeerCollaboration.builder().identity(id).transport(net.transport());
		PeerCollaboration c = custom.apply(b).build();
		open.add(c);
		c.signIn(PeerScope.INTERNET).block(WAIT);
		return c;
	}

	/** An endpoint for {@code id} that shows its presence to Alice, an allowed contact. */
	private PeerCollaboration knowingAlice(PeerIdentity id) {
		PeerCollaboration c = endpoint(id, x -> x);
		c.contacts().add(PeerContact.of(alice.name(), "Alice", alice.certificate())).block(WAIT);
		return c;
	}

	private static EndpointRecord dht(PeerCollaboration at) {
		return new EndpointRecord(at.endPoints().get(0), EndpointSource.DHT, Duration.ofHours(2));
	}

	/** Bob as Alice knows him from a card without endpoints. */
	private PeerContact bobByCardOnly() {
		return PeerContact.of(bob.name(), "Bob", bob.certificate());
	}

	@AfterEach
	void closeAll() {
		open.forEach(c -> c.close().block(WAIT));
	}

	@Test
	void aContactKnownOnlyByItsCardIsResolvedAndInvited() {
		PeerCollaboration b = knowingAlice(bob);
		b.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
		b.invitations().subscribe(i -> i.accept().subscribe());
		PeerCollaboration a = endpoint(alice, x -> x.nameResolver(c -> Flux.just(dht(b))));

		InvitationResponse r = a.peer(bobByCardOnly()).invite(CollaborationContract.WHITEBOARD, "join?", null)
				.block(WAIT);
		assertThat(r.status()).isEqualTo(InvitationStatus.ACCEPTED);
		r.session().ifPresent(CollaborationSession::dispose);
	}

	@Test
	void withoutAnySourceTheErrorSaysWhereItLooked() {
		PeerCollaboration a = endpoint(alice, x -> x);
		StepVerifier.create(a.peer(bobByCardOnly()).presence())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
						.hasMessageContaining("no known endpoint").hasMessageContaining("no resolver found it"))
				.verify(WAIT);
	}

	@Test
	void aResolverCanHelpOrFailToHelpButNeverFool() {
		PeerCollaboration b = knowingAlice(bob);
		PeerCollaboration m = knowingAlice(mallory);
		// The impostor's address comes first, from the card and from a resolver; Bob's only later, from another.
		PeerResolverStub lying = new PeerResolverStub(Flux.just(dht(m)));
		PeerResolverStub late = new PeerResolverStub(Flux.just(dht(b)).delayElements(Duration.ofMillis(200)));
		PeerCollaboration a = endpoint(alice, x -> x.nameResolver(lying).nameResolver(late));
		b.setPresence(PresenceInfo.of(PresenceStatus.BUSY)).block(WAIT);

		PeerContact contact = bobByCardOnly().withEndPoints(m.endPoints());
		assertThat(a.peer(contact).presence().block(WAIT).status()).isEqualTo(PresenceStatus.BUSY);

		// Only the impostor answers: the pin refuses it, and the error says so.
		PeerCollaboration a2 = endpoint(PeerIdentity.generate("alice2"), x -> x.nameResolver(lying));
		StepVerifier.create(a2.peer(bobByCardOnly()).presence())
				.expectError(PeerIdentityMismatchException.class)
				.verify(WAIT);
	}

	@Test
	void aLyingSourceCannotSpoilAnInvitation() {
		PeerCollaboration b = knowingAlice(bob);
		PeerCollaboration m = knowingAlice(mallory);
		b.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
		m.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
		List<Invitation> toBob = new CopyOnWriteArrayList<>();
		b.invitations().subscribe(i -> {
			toBob.add(i);
			i.accept().subscribe();
		});
		List<Invitation> toMallory = new CopyOnWriteArrayList<>();
		m.invitations().subscribe(toMallory::add);
		PeerCollaboration a = endpoint(alice, x -> x.nameResolver(new PeerResolverStub(Flux.just(dht(m))))
				.nameResolver(new PeerResolverStub(Flux.just(dht(b)).delayElements(Duration.ofMillis(100)))));

		InvitationResponse r = a.peer(bobByCardOnly().withEndPoints(m.endPoints()))
				.invite(CollaborationContract.WHITEBOARD, "", null).block(WAIT);
		assertThat(r.status()).isEqualTo(InvitationStatus.ACCEPTED);
		assertThat(toBob).hasSize(1);
		assertThat(toMallory).as("the impostor never sees the invitation: the pin refused it first").isEmpty();
		r.session().ifPresent(CollaborationSession::dispose);

		PeerCollaboration a2 = endpoint(PeerIdentity.generate("alice2"),
				x -> x.nameResolver(new PeerResolverStub(Flux.just(dht(m)))));
		StepVerifier.create(a2.peer(bobByCardOnly()).invite(CollaborationContract.WHITEBOARD, "", null))
				.expectError(PeerIdentityMismatchException.class)
				.verify(WAIT);
	}

	@Test
	void aFailingResolverIsReportedAndTheOtherSourcesAreUsed() {
		PeerCollaboration b = knowingAlice(bob);
		PeerCollaboration a = endpoint(alice, x -> x
				.nameResolver(c -> Flux.error(new IllegalStateException("boom")))
				.nameResolver(c -> Flux.just(dht(b)).delayElements(Duration.ofMillis(50))));
		List<Diagnostic> diagnostics = new CopyOnWriteArrayList<>();
		a.diagnostics().subscribe(diagnostics::add);

		assertThat(a.peer(bobByCardOnly()).presence().block(WAIT)).isEqualTo(PresenceInfo.ONLINE);
		assertThat(diagnostics).anySatisfy(d -> {
			assertThat(d.kind()).isEqualTo(Diagnostic.Kind.RESOLVE_FAILED);
			assertThat(d.message()).contains("boom").contains(bob.name().toString());
		});
	}

	@Test
	void whereAContactWasLastReachedIsTriedWhenTheResolverNoLongerKnows() {
		PeerCollaboration b = knowingAlice(bob);
		AtomicInteger asked = new AtomicInteger();
		PeerCollaboration a = endpoint(alice, x -> x.nameResolver(
				c -> asked.getAndIncrement() == 0 ? Flux.just(dht(b)) : Flux.empty()));
		Peer peer = a.peer(bobByCardOnly());
		assertThat(peer.presence().block(WAIT)).isEqualTo(PresenceInfo.ONLINE);

		net.cut(bob.name());
		assertThat(peer.presence().block(WAIT)).isEqualTo(PresenceInfo.ONLINE);
		assertThat(asked.get()).as("the resolver's second answer was empty").isLessThanOrEqualTo(2);
	}

	@Test
	void aFollowedContactThatMovesIsFollowedAtItsNewAddressWithNothingLost() {
		PeerCollaboration b = knowingAlice(bob);
		List<EndpointRecord> where = new CopyOnWriteArrayList<>(List.of(dht(b)));
		PeerCollaboration a = endpoint(alice, x -> x.nameResolver(c -> Flux.fromIterable(where)));
		StepVerifier.create(a.peer(bobByCardOnly()).events().filter(e -> !(e instanceof PeerEvent.Synced)))
				.assertNext(e -> assertThat(e).isInstanceOf(PresenceChange.class))
				.then(() -> {
					// Bob's process goes away and comes back elsewhere with the same identity.
					b.close().block(WAIT);
					PeerCollaboration moved = knowingAlice(bob);
					where.set(0, dht(moved));
					moved.setPresence(PresenceInfo.of(PresenceStatus.AWAY)).block(WAIT);
				})
				// Closing signed Bob out (REMOVED); the new process may be seen ONLINE before it is AWAY.
				.thenConsumeWhile(e -> !(e instanceof PresenceChange p && p.presence().status() == PresenceStatus.AWAY))
				.assertNext(e -> assertThat(e).isInstanceOfSatisfying(PresenceChange.class,
						p -> assertThat(p.presence().status()).isEqualTo(PresenceStatus.AWAY)))
				.thenCancel()
				.verify(Duration.ofSeconds(30));
	}

	@Test
	void anInvitationTakesTheOpenConnectionAndResolvesAgainOnlyOnceItIsGone() {
		PeerCollaboration b = declining(knowingAlice(bob));
		AtomicInteger asked = new AtomicInteger();
		List<EndpointRecord> where = new CopyOnWriteArrayList<>(List.of(dht(b)));
		PeerCollaboration a = endpoint(alice, x -> x.nameResolver(c -> {
			asked.incrementAndGet();
			return Flux.fromIterable(where);
		}));
		Peer peer = a.peer(bobByCardOnly());

		assertThat(peer.invite(CollaborationContract.WHITEBOARD, "", null).block(WAIT).status())
				.isEqualTo(InvitationStatus.DECLINED);
		assertThat(asked).hasValue(1);
		assertThat(peer.invite(CollaborationContract.WHITEBOARD, "", null).block(WAIT).status())
				.isEqualTo(InvitationStatus.DECLINED);
		assertThat(asked).as("the connection that proved Bob is open: nobody is asked again").hasValue(1);

		net.cut(bob.name());
		assertThat(peer.invite(CollaborationContract.WHITEBOARD, "", null).block(WAIT).status())
				.isEqualTo(InvitationStatus.DECLINED);
		assertThat(asked).as("the connection is gone: the sources are asked again").hasValue(2);

		// Bob's process goes away and comes back elsewhere with the same identity.
		b.close().block(WAIT);
		PeerCollaboration moved = declining(knowingAlice(bob));
		where.set(0, dht(moved));
		assertThat(peer.invite(CollaborationContract.WHITEBOARD, "", null).block(WAIT).status())
				.isEqualTo(InvitationStatus.DECLINED);
		assertThat(asked).hasValue(3);
		assertThat(peer.invite(CollaborationContract.WHITEBOARD, "", null).block(WAIT).status())
				.isEqualTo(InvitationStatus.DECLINED);
		assertThat(asked).as("the connection to where Bob moved is used from now on").hasValue(3);
	}

	@Test
	void aReadTakesTheOpenConnectionAndDialsAgainOnlyOnceItIsGone() {
		PeerCollaboration b = knowingAlice(bob);
		b.setPresence(PresenceInfo.of(PresenceStatus.BUSY)).block(WAIT);
		AtomicInteger dials = new AtomicInteger();
		PeerTransport inner = net.transport();
		PeerTransport counting = (identity, handler) -> inner.bind(identity, handler)
				.map(binding -> new ForwardingBinding(binding) {
					@Override
					public Mono<PeerConnection> connect(PeerName expected, PeerAddress address) {
						dials.incrementAndGet();
						return super.connect(expected, address);
					}
				});
		PeerCollaboration a = endpoint(alice, x -> x.nameResolver(c -> Flux.just(dht(b))).transport(counting));
		Peer peer = a.peer(bobByCardOnly());

		assertThat(peer.presence().block(WAIT).status()).isEqualTo(PresenceStatus.BUSY);
		assertThat(dials).hasValue(1);
		assertThat(peer.presence().block(WAIT).status()).isEqualTo(PresenceStatus.BUSY);
		assertThat(peer.applications().collectList().block(WAIT)).isEmpty();
		assertThat(peer.objects().collectList().block(WAIT)).isEmpty();
		assertThat(dials).as("the connection that proved Bob is open: it is taken as it is").hasValue(1);

		net.cut(bob.name());
		assertThat(peer.presence().block(WAIT).status()).isEqualTo(PresenceStatus.BUSY);
		assertThat(dials).as("the connection is gone: Bob is looked up and dialled again").hasValue(2);
	}

	@Test
	void readsOfAFollowedContactOverItsOpenConnectionShareOneResolutionForTheWatchesAtATime() throws Exception {
		PeerCollaboration b = knowingAlice(bob);
		AtomicInteger asked = new AtomicInteger();
		Sinks.Empty<Void> gate = Sinks.empty();
		CountDownLatch third = new CountDownLatch(1);
		// the engine's timer in virtual time, never advanced: the watch looks for endpoints once, at its start
		PeerCollaboration a = endpoint(alice, x -> x.timerScheduler(VirtualTimeScheduler.create()).nameResolver(c -> {
			int n = asked.incrementAndGet();
			if (n == 3) {
				third.countDown();
			}
			// the resolution that the first read starts for the watches hangs until the gate opens
			return n == 2 ? gate.asMono().thenMany(Flux.just(dht(b))) : Flux.just(dht(b));
		}));
		Peer peer = a.peer(bobByCardOnly());
		CountDownLatch synced = new CountDownLatch(1);
		Disposable watching = peer.events().subscribe(e -> {
			if (e instanceof PeerEvent.Synced) {
				synced.countDown();
			}
		});
		try {
			assertThat(synced.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
			assertThat(asked).as("the watch's own look").hasValue(1);

			for (int i = 0; i < 10; i++) {
				assertThat(peer.presence().block(WAIT)).isEqualTo(PresenceInfo.ONLINE);
			}
			assertThat(asked).as("one resolution for the watches runs; the reads that came meanwhile wait for it")
					.hasValue(2);

			gate.tryEmitEmpty();
			assertThat(third.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
					.as("one more resolution, after the one that ran, serves the reads that came meanwhile").isTrue();
		}
		finally {
			watching.dispose();
		}
	}

	/** {@code c} with the whiteboard registered, declining every invitation. */
	private static PeerCollaboration declining(PeerCollaboration c) {
		c.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
		c.invitations().subscribe(i -> i.decline().subscribe());
		return c;
	}

	/** A resolver that answers the same records every time. */
	record PeerResolverStub(Flux<EndpointRecord> records) implements PeerNameResolver {
		@Override
		public Flux<EndpointRecord> resolve(PeerContact contact) {
			return records;
		}
	}
}
