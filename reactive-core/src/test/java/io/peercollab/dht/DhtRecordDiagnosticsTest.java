// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import io.peercollab.Diagnostic;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.dht.RecordRefusedException.Check;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * What {@link MainlineDht} makes of the items a lookup finds, without a network: items are fed to its checks as if
 * DHT nodes had returned them. Every refused record is a {@link MainlineDht#RECORD_REFUSED} diagnostic, which a
 * {@link PeerCollaboration} configured with the resolver passes on.
 */
class DhtRecordDiagnosticsTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** Never started: only its checks are used. */
	private final MainlineDht dht = MainlineDht.builder().bootstrapNodes(List.of())
			.lookupTimeout(Duration.ofSeconds(2)).lookupGrace(Duration.ofMillis(50)).build();

	private final List<Diagnostic> reported = new CopyOnWriteArrayList<>();

	private final Disposable listening = dht.diagnostics().subscribe(reported::add);

	private final PeerIdentity alice = PeerIdentity.generate("alice", KeyType.ED25519);

	private final byte[] aliceKey = MutableItem.rawKey(alice.publicKey());

	@AfterEach
	void stop() {
		listening.dispose();
		dht.close().block(WAIT);
	}

	private static PeerEndPoint endPoint(String ip, int port) throws Exception {
		return PeerEndPoint.of(new InetSocketAddress(InetAddress.getByName(ip), port));
	}

	private MutableItem valid(long seq, PeerEndPoint endPoint) throws Exception {
		return MutableItem.sign(alice.privateKey(), aliceKey, seq,
				PkarrCodec.encode(aliceKey, List.of(endPoint), Duration.ofHours(1)));
	}

	private MutableItem forged(long seq, PeerEndPoint endPoint) throws Exception {
		PeerIdentity mallory = PeerIdentity.generate("mallory", KeyType.ED25519);
		MutableItem signed = MutableItem.sign(mallory.privateKey(), aliceKey, seq,
				PkarrCodec.encode(aliceKey, List.of(endPoint), Duration.ofHours(1)));
		return new MutableItem(aliceKey, signed.seq(), signed.value(), signed.signature());
	}

	private static void assertRefusal(Diagnostic d, PeerIdentity peer, Check check) {
		assertThat(d.kind()).isEqualTo(MainlineDht.RECORD_REFUSED).hasToString("dht.RECORD_REFUSED");
		assertThat(d.peer()).isEqualTo(peer.name());
		assertThat(d.address()).isNull();
		assertThat(d.message()).contains("[" + check + "]").contains(peer.name().toString());
		assertThat(d.cause()).isInstanceOfSatisfying(RecordRefusedException.class,
				e -> assertThat(e.check()).isEqualTo(check));
	}

	@Test
	void aForgedRecordAmongValidOnesIsReportedOnceAndTheValidOneIsUsed() throws Exception {
		long now = MutableItem.nowMicros();
		PeerEndPoint real = endPoint("203.0.113.7", 4711);
		MutableItem forged = forged(now + 1, endPoint("203.0.113.66", 666));

		StepVerifier.create(dht.resolveItems(alice.name(), aliceKey, Flux.just(forged, valid(now, real), forged))
						.map(EndpointRecord::endPoint))
				.expectNext(real)
				.expectComplete()
				.verify(WAIT);

		assertThat(reported).singleElement().satisfies(d -> {
			assertRefusal(d, alice, Check.BAD_SIGNATURE);
			assertThat(d.message()).contains("signature does not verify");
		});
	}

	@Test
	void aStaleRecordIsReported() throws Exception {
		long now = MutableItem.nowMicros();
		MutableItem old = valid(now - 1_000_000, endPoint("203.0.113.1", 1111));
		StepVerifier.create(dht.resolveItems(alice.name(), aliceKey, Flux.just(valid(now, endPoint("203.0.113.2",
				2222))))).expectNextCount(1).expectComplete().verify(WAIT);

		StepVerifier.create(dht.resolveItems(alice.name(), aliceKey, Flux.just(old))).expectComplete().verify(WAIT);

		assertThat(reported).singleElement().satisfies(d -> assertRefusal(d, alice, Check.STALE));
	}

	@Test
	void aPlainPkarrRecordWithoutOurTxtIsRefusedSayingSo() throws Exception {
		Name origin = PkarrCodec.origin(aliceKey);
		Message pkarr = new Message(0);
		pkarr.addRecord(new ARecord(origin, DClass.IN, 300, InetAddress.getByName("192.0.2.1")), Section.ANSWER);
		pkarr.addRecord(new TXTRecord(Name.fromString("_matrix", origin), DClass.IN, 300, "@alice:example.org"),
				Section.ANSWER);
		MutableItem item = MutableItem.sign(alice.privateKey(), aliceKey, MutableItem.nowMicros(), pkarr.toWire());

		StepVerifier.create(dht.resolveItems(alice.name(), aliceKey, Flux.just(item))).expectComplete().verify(WAIT);

		assertThat(reported).singleElement().satisfies(d -> {
			assertRefusal(d, alice, Check.NO_PEERCOLLAB_RECORD);
			assertThat(d.message()).contains("No PeerCollab record here: a Pkarr record of 2 records");
		});
	}

	@Test
	void eachEndpointLivesAsLongAsItsOwnRecordsSay() throws Exception {
		MutableItem item = MutableItem.sign(alice.privateKey(), aliceKey, MutableItem.nowMicros(),
				PkarrCodecTest.endpointsWithTtlsOfTheirOwn(aliceKey));

		List<EndpointRecord> records = dht.resolveItems(alice.name(), aliceKey, Flux.just(item)).collectList()
				.block(WAIT);

		assertThat(records).containsExactly(
				new EndpointRecord(endPoint("203.0.113.7", 4711), EndpointSource.DHT, Duration.ofSeconds(600)),
				new EndpointRecord(endPoint("2001:db8::7", 4712), EndpointSource.DHT, Duration.ofSeconds(60)));
		assertThat(reported).isEmpty();
	}

	@Test
	void aForgedRecordReachesThePeerCollaborationsDiagnostics() throws Exception {
		PeerCollaboration me = PeerCollaboration.builder().identity(PeerIdentity.generate("bob"))
				.transport(new InMemoryPeerTransport.Network().transport())
				.nameResolver(dht)
				.build();
		try {
			MutableItem forged = forged(MutableItem.nowMicros(), endPoint("203.0.113.66", 666));

			StepVerifier.create(me.diagnostics())
					.then(() -> dht.resolveItems(alice.name(), aliceKey, Flux.just(forged)).subscribe())
					.assertNext(d -> assertRefusal(d, alice, Check.BAD_SIGNATURE))
					.thenCancel()
					.verify(WAIT);
		}
		finally {
			me.close().block(WAIT);
		}
	}

	/**
	 * Refusals from several threads at once, and one caused by a subscriber from inside its own onNext: each is
	 * delivered once, in turn, without a thread waiting for another (the re-entrant one after the current emission).
	 */
	@Test
	void refusalsFromSeveralThreadsAndFromInsideASubscriberAreEachDeliveredOnce() throws Exception {
		int threads = 8;
		int perThread = 50;
		MutableItem forged = forged(MutableItem.nowMicros(), endPoint("203.0.113.66", 666));
		List<Diagnostic> seen = new CopyOnWriteArrayList<>();
		AtomicBoolean inside = new AtomicBoolean();
		AtomicBoolean overlapped = new AtomicBoolean();
		AtomicBoolean reentered = new AtomicBoolean();
		Disposable counting = dht.diagnostics().subscribe(d -> {
			if (!inside.compareAndSet(false, true)) {
				overlapped.set(true);
			}
			seen.add(d);
			if (reentered.compareAndSet(false, true)) {
				// a refusal caused from inside onNext: queued, delivered once this emission returns
				dht.resolveItems(alice.name(), aliceKey, Flux.just(forged)).subscribe();
			}
			inside.set(false);
		});
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Thread> started = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				Thread thread = new Thread(() -> {
					try {
						start.await();
					}
					catch (InterruptedException e) {
						Thread.currentThread().interrupt();
						return;
					}
					for (int i = 0; i < perThread; i++) {
						dht.resolveItems(alice.name(), aliceKey, Flux.just(forged)).blockLast();
					}
				});
				thread.start();
				started.add(thread);
			}
			start.countDown();
			for (Thread thread : started) {
				thread.join(WAIT.toMillis());
			}

			assertThat(seen).hasSize(threads * perThread + 1)
					.allSatisfy(d -> assertRefusal(d, alice, Check.BAD_SIGNATURE));
			assertThat(overlapped).as("two emissions at once").isFalse();
		}
		finally {
			counting.dispose();
		}
	}
}
