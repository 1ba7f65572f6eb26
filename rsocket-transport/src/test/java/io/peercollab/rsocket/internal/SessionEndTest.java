// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import io.netty.buffer.ByteBufAllocator;
import io.peercollab.spi.SessionFrame;
import io.rsocket.Payload;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The in-band end of a session's direction (PROTOCOL.md 5.8.1, "Ending"): two {@link ResumableSession} ends wired to
 * each other through their encoded payloads, with links that can lose what travels on them, as a lost connection
 * does.
 */
class SessionEndTest {

	private static final Duration WAIT = Duration.ofSeconds(20);
	private final SessionFrames codec = new SessionFrames(131_072, ByteBufAllocator.DEFAULT);

	private static SessionFrame frame(int i) {
		return new SessionFrame(null, ByteBuffer.allocate(4).putInt(i).array());
	}

	private static int number(SessionFrame f) {
		return ByteBuffer.wrap(f.data()).getInt();
	}

	/** One direction of a channel: decodes what one end sends for the other, dropping what {@code lose} says. */
	private Flux<SessionFrames.Sequenced> link(Sinks.One<Flux<Payload>> from, Predicate<SessionFrames.Sequenced> lose) {
		return from.asMono().flatMapMany(f -> f).map(p -> codec.decodeSequenced(p, "frame")).filter(s -> !lose.test(s));
	}

	/** Opens a channel between the two ends: {@code client} opens it, {@code server} answers. */
	private void connect(ResumableSession client, ResumableSession server, boolean first,
			Predicate<SessionFrames.Sequenced> loseToServer, Predicate<SessionFrames.Sequenced> loseToClient) {
		Sinks.One<Flux<Payload>> clientOut = Sinks.one();
		Sinks.One<Flux<Payload>> serverOut = Sinks.one();
		serverOut.tryEmitValue(server.attach(link(clientOut, loseToServer), first ? 0 : client.delivered(),
				Mono.never()));
		clientOut.tryEmitValue(client.attach(link(serverOut, loseToClient), first ? 0 : -1, Mono.never()));
	}

	/** What a user read: frames, then how it ended. */
	private static final class Reader extends BaseSubscriber<SessionFrame> {

		final List<Integer> frames = new CopyOnWriteArrayList<>();
		final CountDownLatch done = new CountDownLatch(1);
		final AtomicInteger completions = new AtomicInteger();
		final AtomicReference<Throwable> error = new AtomicReference<>();
		private final int pauseEvery;

		/** @param pauseEvery reads that many frames, then pauses 20 ms (a slow reader), or 0 to read at once */
		Reader(int pauseEvery) {
			this.pauseEvery = pauseEvery;
		}

		@Override
		protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
			request(pauseEvery == 0 ? Long.MAX_VALUE : 1);
		}

		@Override
		protected void hookOnNext(SessionFrame f) {
			frames.add(number(f));
			if (pauseEvery > 0) {
				if (frames.size() % pauseEvery == 0) {
					Mono.delay(Duration.ofMillis(20)).subscribe(x -> request(1));
				}
				else {
					request(1);
				}
			}
		}

		@Override
		protected void hookOnComplete() {
			completions.incrementAndGet();
			done.countDown();
		}

		@Override
		protected void hookOnError(Throwable e) {
			error.set(e);
			done.countDown();
		}

		void await() throws InterruptedException {
			assertThat(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the inbound ended").isTrue();
			assertThat(error.get()).as("the inbound's error").isNull();
		}
	}

	@Test
	void oneDirectionEndsWhileTheOtherStreamsTenThousandFramesToASlowReader() throws InterruptedException {
		ResumableSession client = new ResumableSession(codec, "frame", "t", false);
		ResumableSession server = new ResumableSession(codec, "frame", "t", true);
		connect(client, server, true, s -> false, s -> false);
		Reader atClient = new Reader(500);
		Reader atServer = new Reader(0);
		client.inbound().subscribe(atClient);
		server.inbound().subscribe(atServer);
		client.send(Flux.range(0, 3).map(SessionEndTest::frame));
		AtomicInteger produced = new AtomicInteger();
		AtomicInteger producedWhenServerInboundEnded = new AtomicInteger(-1);
		server.send(Flux.range(0, 10_000).map(SessionEndTest::frame).doOnNext(f -> produced.incrementAndGet()));
		atServer.await();
		producedWhenServerInboundEnded.set(produced.get());
		assertThat(atServer.frames).containsExactly(0, 1, 2);
		atClient.await();
		assertThat(atClient.frames).containsExactlyElementsOf(IntStream.range(0, 10_000).boxed().toList());
		client.ended().block(WAIT);
		server.ended().block(WAIT);
		// the client's direction ended long before the server's: acknowledgements went on flowing after it
		assertThat(producedWhenServerInboundEnded.get()).isLessThan(10_000);
		assertThat(atClient.completions.get()).isOne();
		assertThat(atServer.completions.get()).isOne();
	}

	@Test
	void anEndOfFramesLostWithTheOldConnectionIsSentAgainAfterTheMove() throws InterruptedException {
		ResumableSession client = new ResumableSession(codec, "frame", "t", false);
		ResumableSession server = new ResumableSession(codec, "frame", "t", true);
		CountDownLatch endLost = new CountDownLatch(1);
		AtomicBoolean lost = new AtomicBoolean();
		// the old connection loses everything from the client's end of frames on
		connect(client, server, true, s -> {
			if (s.end() || lost.get()) {
				lost.set(true);
				endLost.countDown();
				return true;
			}
			return false;
		}, s -> false);
		Reader atClient = new Reader(0);
		Reader atServer = new Reader(0);
		client.inbound().subscribe(atClient);
		server.inbound().subscribe(atServer);
		Sinks.Many<SessionFrame> serverFrames = Sinks.many().unicast().onBackpressureBuffer();
		client.send(Flux.range(0, 5).map(SessionEndTest::frame));
		server.send(serverFrames.asFlux());
		for (int i = 0; i < 5; i++) {
			serverFrames.tryEmitNext(frame(i));
		}
		assertThat(endLost.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the end of frames was sent").isTrue();
		assertThat(client.open()).as("an end not acknowledged: the session can still move").isTrue();
		// the session moves: the server learns what the client received, the client what the server received
		connect(client, server, false, s -> false, s -> false);
		atServer.await();
		assertThat(atServer.frames).containsExactly(0, 1, 2, 3, 4);
		assertThat(client.moves()).isOne();
		for (int i = 5; i < 10; i++) {
			serverFrames.tryEmitNext(frame(i));
		}
		serverFrames.tryEmitComplete();
		atClient.await();
		assertThat(atClient.frames).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
		client.ended().block(WAIT);
		server.ended().block(WAIT);
		assertThat(atServer.completions.get()).isOne();
	}

	@Test
	void anEndOfFramesIsDeliveredOnceAndTheChannelCompletesOnlyWhenBothEndsAreAcknowledged()
			throws InterruptedException {
		ResumableSession server = new ResumableSession(codec, "frame", "t", true);
		Sinks.Many<SessionFrames.Sequenced> in = Sinks.many().unicast().onBackpressureBuffer();
		List<SessionFrames.Sequenced> sent = new CopyOnWriteArrayList<>();
		CountDownLatch outCompleted = new CountDownLatch(1);
		CountDownLatch endSent = new CountDownLatch(1);
		server.attach(in.asFlux(), 0, Mono.never()).subscribe(p -> {
			SessionFrames.Sequenced s = codec.decodeSequenced(p, "frame");
			sent.add(s);
			if (s.end()) {
				endSent.countDown();
			}
		}, e -> { }, outCompleted::countDown);
		Reader reader = new Reader(0);
		server.inbound().subscribe(reader);
		server.send(Flux.just(frame(7)));
		in.tryEmitNext(new SessionFrames.Sequenced(1, 0, frame(1)));
		in.tryEmitNext(new SessionFrames.Sequenced(2, -1, null, true));
		// the same end again: on the same channel, then on the channel the session moved to
		in.tryEmitNext(new SessionFrames.Sequenced(2, -1, null, true));
		reader.await();
		assertThat(reader.frames).containsExactly(1);
		assertThat(outCompleted.getCount()).as("the server's own end is not acknowledged yet").isOne();
		// the first channel sends on its own thread: what it sent is checked below, so it has sent its end first
		assertThat(endSent.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		Sinks.Many<SessionFrames.Sequenced> in2 = Sinks.many().unicast().onBackpressureBuffer();
		List<SessionFrames.Sequenced> sent2 = new CopyOnWriteArrayList<>();
		CountDownLatch out2Completed = new CountDownLatch(1);
		CountDownLatch endSentAgain = new CountDownLatch(1);
		server.attach(in2.asFlux(), 0, Mono.never()).subscribe(p -> {
			SessionFrames.Sequenced s = codec.decodeSequenced(p, "frame");
			sent2.add(s);
			if (s.end()) {
				endSentAgain.countDown();
			}
		}, e -> { }, out2Completed::countDown);
		in2.tryEmitNext(new SessionFrames.Sequenced(2, -1, null, true));
		assertThat(server.duplicates()).isEqualTo(2);
		assertThat(reader.completions.get()).isOne();
		// the other end acknowledges the frame and the end of frames once the new channel sent the end again (an
		// acknowledgement before that would leave nothing to send again): the channel's outbound completes
		assertThat(endSentAgain.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		in2.tryEmitNext(new SessionFrames.Sequenced(0, 2, null));
		assertThat(out2Completed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		in2.tryEmitComplete(); // as the other end completes its own
		// what the first channel sent: first what it had received (nothing yet, or already the frame and the end, as
		// the threads ran), the frame, then its end
		assertThat(sent.get(0).ack()).isBetween(0L, 2L);
		assertThat(sent).anySatisfy(s -> assertThat(s.seq()).isOne());
		assertThat(sent).anySatisfy(s -> {
			assertThat(s.end()).isTrue();
			assertThat(s.seq()).isEqualTo(2);
		});
		// the second sent again the frame and the end (none acknowledged) and acknowledged the other's end
		assertThat(sent2).anySatisfy(s -> assertThat(s.ack()).isEqualTo(2));
		assertThat(sent2).filteredOn(SessionFrames.Sequenced::end).hasSize(1);
		assertThat(sent2.get(sent2.size() - 1).end() || sent2.get(sent2.size() - 1).ack() == 2).isTrue();
		server.ended().block(WAIT);
		assertThat(outCompleted.getCount()).as("the channel the session left never completes").isOne();
	}
	/**
	 * A client whose server said in its {@code hello} that it numbers frames ends its direction in-band at once, before
	 * the server's first frame; one that was not told waits for that frame (or 5 s), so that a sign-out right after
	 * opening closed the connection before the end went, and the other side saw a crash instead of a goodbye.
	 */
	@Test
	void aClientToldByTheHelloSendsItsEndOfFramesBeforeTheServerSaidAnything() throws InterruptedException {
		for (boolean told : new boolean[] {true, false}) {
			ResumableSession client = new ResumableSession(codec, "frame", "t", told);
			List<SessionFrames.Sequenced> sent = new CopyOnWriteArrayList<>();
			CountDownLatch endSent = new CountDownLatch(1);
			CountDownLatch frameSent = new CountDownLatch(1);
			// the server is silent: nothing ever comes back on the channel
			client.attach(Flux.never(), 0, Mono.never()).subscribe(p -> {
				SessionFrames.Sequenced s = codec.decodeSequenced(p, "frame");
				sent.add(s);
				(s.end() ? endSent : frameSent).countDown();
			});
			client.inbound().subscribe(new Reader(0));
			client.send(Flux.just(frame(1)));
			assertThat(frameSent.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
			if (told) {
				assertThat(endSent.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
				assertThat(sent).filteredOn(SessionFrames.Sequenced::end).singleElement()
						.satisfies(s -> assertThat(s.seq()).isEqualTo(2));
				// besides an acknowledgement-only frame ({ack: 0}, seq 0), the frame: numbered 1
				assertThat(sent).filteredOn(s -> s.seq() > 0 && !s.end()).singleElement()
						.satisfies(s -> assertThat(s.seq()).isOne());
			}
			else {
				// well under ResumableSession.UNNUMBERED_AFTER: nothing but the frame, unnumbered for all it knows
				assertThat(endSent.await(300, TimeUnit.MILLISECONDS)).isFalse();
				assertThat(sent).singleElement().satisfies(s -> assertThat(s.end()).isFalse());
			}
		}
	}
	/**
	 * Large frames after small ones, through the codec: a frame above {@link SessionFrames#PIECE} is written in pieces,
	 * which once left out its {@code seq} and {@code ack}, so the receiver took it for an unnumbered one, acknowledged
	 * nothing more, and the sender stopped at its replay buffer's bound (Meeting Space's 20 MiB handout stalled in CI).
	 * The sender stops at about {@link ResumableSession#MAX_REPLAY_BYTES} unacknowledged, which 64 KiB frames reach in
	 * 16, so the receiver also acknowledges every {@link ResumableSession#ACK_BYTES} bytes, not only every
	 * {@link ResumableSession#ACK_EVERY} frames.
	 */
	@Test
	void largeFramesAfterSmallOnesAreAcknowledgedByTheirBytesAndAllArrive() throws InterruptedException {
		ResumableSession client = new ResumableSession(codec, "frame", "t", true);
		ResumableSession server = new ResumableSession(codec, "frame", "t", true);
		connect(client, server, true, s -> false, s -> false);
		List<Integer> sizes = new CopyOnWriteArrayList<>();
		CountDownLatch done = new CountDownLatch(1);
		AtomicReference<Throwable> error = new AtomicReference<>();
		server.inbound().subscribe(f -> sizes.add(f.data().length), error::set, done::countDown);
		client.inbound().subscribe(new Reader(0));
		Flux<SessionFrame> small = Flux.range(0, 20).map(SessionEndTest::frame);
		Flux<SessionFrame> large = Flux.range(0, 200).map(i -> new SessionFrame(null, new byte[65_536]));
		client.send(Flux.concat(small, large));
		boolean ended = done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
		assertThat(ended).as("every frame arrived, then the end; arrived: %s", sizes.size()).isTrue();
		assertThat(error.get()).isNull();
		assertThat(sizes).hasSize(220);
		assertThat(sizes.subList(20, 220)).containsOnly(65_536);
	}
}
