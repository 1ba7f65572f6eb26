// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.peercollab.InvalidRequestException;
import io.peercollab.LimitExceededException;
import io.peercollab.spi.SessionFrame;
import io.rsocket.Payload;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Schedulers;

/**
 * One end of a session that can move from one connection to another mid-stream, with nothing lost or repeated
 * (PROTOCOL.md 5.8.1): the session outlives the request-channel it travels on.
 *
 * <p>Each frame this end sends gets a number ({@code seq}, from 1, per direction) and stays in a replay buffer until
 * the other end acknowledges it ({@code ack}: the last number it received, piggybacked on its frames, or alone, every
 * {@link #ACK_EVERY} frames). When the session re-attaches on another channel ({@link #attach}), each end sends again
 * only what the other has not acknowledged after the number it says it received, and the receiver drops any number it
 * already has, whichever channel it came on: a frame still in flight on the old channel and sent again on the new one
 * is delivered once. Frames are delivered in order of their numbers; a number that skips one fails the session.
 *
 * <p>What the other end can make this end hold is bounded: the replay buffer holds at most
 * {@link #MAX_REPLAY_FRAMES} frames and about {@link #MAX_REPLAY_BYTES} bytes; beyond that, this end stops taking
 * frames from its user (back pressure) until acknowledgements free room. A re-attachment asking for frames the buffer
 * no longer holds fails with {@link LimitExceededException} naming the limit.
 *
 * <p>A peer that does not number its frames (an earlier version) gets an ordinary session: nothing is kept for it.
 */
final class ResumableSession {

	/** How many unacknowledged frames the replay buffer holds at most. */
	static final int MAX_REPLAY_FRAMES = 1024;

	/** How many bytes of unacknowledged frames' data the replay buffer holds, about (one batch above is possible). */
	static final int MAX_REPLAY_BYTES = 1 << 20;

	/** How many received frames wait for the user at most: the other end's replay buffer, twice. */
	static final int MAX_RECEIVED_FRAMES = 2 * MAX_REPLAY_FRAMES;

	/** How many frames a receiver takes between two acknowledgements. */
	static final int ACK_EVERY = 32;

	/**
	 * How long a full replay buffer waits for the other end's first frame: silent that long, it is taken for a peer
	 * that does not number frames, and nothing more is kept for it.
	 */
	static final java.time.Duration UNNUMBERED_AFTER = java.time.Duration.ofSeconds(5);

	/** How many frames are asked of the user at a time. */
	private static final int BATCH = 32;

	private final SessionFrames codec;
	private final String what;
	private final String token;

	// the outbound side, guarded by this
	private final List<SessionFrame> replay = new ArrayList<>();
	/** The number of {@code replay.get(0)}. */
	private long firstSeq = 1;
	private long replayBytes;
	private long outstanding;
	private boolean appDone;
	private Throwable appError;
	/** Whether nothing is kept for a move: the peer does not number its frames, or never acknowledged any. */
	private boolean legacy;
	private final AppSubscriber app = new AppSubscriber();

	// the inbound side: delivered is written only by the serialized receiver, read by whoever re-attaches
	private volatile long delivered;
	private long ackedSent;
	private final AtomicLong ackDue = new AtomicLong(-1);
	private volatile boolean peerNumbers;

	private final Sinks.Many<Flux<SessionFrames.Sequenced>> channels =
			Sinks.many().unicast().onBackpressureBuffer();
	private volatile Channel current;
	private final AtomicInteger moves = new AtomicInteger();
	private final Sinks.Empty<Void> ended = Sinks.empty();

	/**
	 * @param codec writes and reads the frames
	 * @param what what a frame is called in the message of a refused one
	 * @param token the session's resume token
	 * @param peerNumbers whether the other end is known to number its frames (a server that was offered the token)
	 */
	ResumableSession(SessionFrames codec, String what, String token, boolean peerNumbers) {
		this.codec = codec;
		this.what = what;
		this.token = token;
		this.peerNumbers = peerNumbers;
	}

	/** @return the token the session is re-attached by */
	String token() {
		return token;
	}

	/** @return how many frames this end has received, in order: what a re-attachment says it received */
	long delivered() {
		return delivered;
	}

	/** @return whether the session can move: the other end numbers its frames and this end keeps its own */
	boolean movable() {
		synchronized (this) {
			return peerNumbers && !legacy;
		}
	}

	/** @return how many times the session re-attached */
	int moves() {
		return moves.get();
	}

	/** @return completes when the session ended both ways, however: it cannot re-attach any more */
	Mono<Void> ended() {
		return ended.asMono();
	}

	/** @return whether both directions are still open: only then is the session moved */
	boolean open() {
		return !inboundEnded && !outboundEnded;
	}

	private volatile boolean inboundEnded;
	private volatile boolean outboundEnded;

	private void checkEnded() {
		if (inboundEnded && outboundEnded) {
			ended.tryEmitEmpty();
		}
	}

	/**
	 * The frames the other end sends, in order, each once, across every channel the session travels on; completes
	 * when the channel the session is on ends its frames.
	 */
	Flux<SessionFrame> inbound() {
		// Frames are taken in (and acknowledged) as they arrive, whatever the user's pace: acknowledgements ride on
		// frames, so a receiver that stopped reading for its user would stop the other end's acknowledgements too, and
		// two full replay buffers would wait for each other. The other end never has more than its replay buffer
		// unacknowledged, so this buffer holds at most that; one that sends more is cut off.
		return channels.asFlux().flatMap(f -> f, 4, 32).<SessionFrame>handle(this::receive)
				.onBackpressureBuffer(MAX_RECEIVED_FRAMES, f -> { }, reactor.core.publisher.BufferOverflowStrategy.ERROR)
				.onErrorMap(reactor.core.Exceptions::isOverflow, e -> new LimitExceededException("session receive "
						+ "buffer (" + MAX_RECEIVED_FRAMES + " frames) full: " + what + " sent more frames than its "
						+ "replay buffer holds unacknowledged (" + MAX_REPLAY_FRAMES + ")"))
				.doFinally(s -> {
					inboundEnded = true;
					if (s != reactor.core.publisher.SignalType.ON_COMPLETE) {
						// a session ended by this end's user, or failed: the other direction ends with it
						app.dispose();
						outboundEnded = true;
					}
					checkEnded();
				});
	}

	/** Takes the user's frames from {@code outbound}, as the buffer has room. */
	void send(Publisher<SessionFrame> outbound) {
		Flux.from(outbound).subscribe(app);
	}

	/**
	 * Puts the session on a new channel.
	 *
	 * @param inbound the channel's frames from the other end, decoded
	 * @param resumeFrom the last number the other end received, to send again after it; or {@code -1} to wait for the
	 *     first acknowledgement on this channel to say it (the end that asked to re-attach)
	 * @param lost fails the channel when its connection is lost
	 * @return the channel's payloads to the other end
	 * @throws LimitExceededException if the buffer no longer holds the frames after {@code resumeFrom}
	 */
	Flux<Payload> attach(Flux<SessionFrames.Sequenced> inbound, long resumeFrom, Mono<Void> lost) {
		return attach(inbound, resumeFrom, lost, () -> { });
	}

	/**
	 * What the last move of this session took, as this end saw it.
	 *
	 * @param took from the re-attachment's start to the first frame of the other end on the new channel (on the end
	 *     that asked; zero on the end that answered)
	 * @param unacknowledged the frames this end had sent and the other had not acknowledged when it started
	 * @param sentAgain the frames this end sent again on the new channel
	 */
	record Move(java.time.Duration took, long unacknowledged, long sentAgain) {
	}

	private volatile Move lastMove;
	private final AtomicLong duplicates = new AtomicLong();

	/** @return the last move, or {@code null} if the session never moved */
	Move lastMove() {
		return lastMove;
	}

	/** @return how many frames arrived twice (sent again after a move) and were dropped */
	long duplicates() {
		return duplicates.get();
	}

	/**
	 * {@link #attach(Flux, long, Mono)}, and runs {@code switched} once the other end answered on this channel (its
	 * first frame here): the channel before is let go then.
	 */
	Flux<Payload> attach(Flux<SessionFrames.Sequenced> inbound, long resumeFrom, Mono<Void> lost, Runnable switched) {
		long startedAt = System.nanoTime();
		long unacked;
		synchronized (this) {
			unacked = replay.size();
		}
		if (resumeFrom >= 0) {
			synchronized (this) {
				long last = firstSeq + replay.size() - 1;
				if (resumeFrom < firstSeq - 1 || resumeFrom > last) {
					throw new LimitExceededException("cannot resume the session after frame " + resumeFrom
							+ ": the replay buffer (" + MAX_REPLAY_FRAMES + " frames, " + MAX_REPLAY_BYTES
							+ " bytes) holds frames " + firstSeq + " to " + last);
				}
			}
		}
		Channel ch = new Channel(resumeFrom);
		Channel before = current;
		current = ch;
		if (before != null) {
			before.out.stop();
			moves.incrementAndGet();
			if (resumeFrom >= 0) {
				// the end that answers a re-attachment lets the old channel go at once
				before.detached.tryEmitEmpty();
				synchronized (this) {
					lastMove = new Move(java.time.Duration.ZERO, unacked, firstSeq + replay.size() - 1 - resumeFrom);
				}
			}
		}
		// the first frame on a channel tells the other end what this end received
		ackDue.set(delivered);
		Flux<SessionFrames.Sequenced> frames = inbound
				.doOnNext(s -> {
					if (s.ack() >= 0 && !ch.out.started) {
						long last;
						synchronized (this) {
							last = firstSeq + replay.size() - 1;
						}
						ch.out.start(s.ack());
						if (before != null) {
							before.detached.tryEmitEmpty();
							lastMove = new Move(java.time.Duration.ofNanos(System.nanoTime() - startedAt), unacked,
									Math.max(0, last - s.ack()));
						}
						switched.run();
					}
				})
				.takeUntilOther(ch.detached.asMono())
				.takeUntilOther(lost)
				.onErrorResume(e -> current != ch ? Flux.empty() : Flux.error(e))
				.doOnComplete(() -> {
					if (current == ch) {
						channels.tryEmitComplete();
					}
				});
		if (emit(frames) != Sinks.EmitResult.OK) {
			// the other end ended its frames already: read and drop whatever comes on this channel
			frames.onErrorResume(e -> Flux.empty()).subscribe();
		}
		Out out = ch.out;
		return new Flux<>() {
			@Override
			public void subscribe(CoreSubscriber<? super Payload> actual) {
				out.subscribe(new SessionFrames.RequestHop(actual, Schedulers.parallel().createWorker()));
			}
		};
	}

	/** Attachments are rare, one at a time per end: a concurrent one retries briefly. */
	private Sinks.EmitResult emit(Flux<SessionFrames.Sequenced> frames) {
		long deadline = System.nanoTime() + 1_000_000_000L;
		Sinks.EmitResult r;
		do {
			r = channels.tryEmitNext(frames);
		} while (r == Sinks.EmitResult.FAIL_NON_SERIALIZED && System.nanoTime() < deadline);
		return r;
	}

	/** The serialized receiver of every channel's frames. */
	private void receive(SessionFrames.Sequenced s, SynchronousSink<SessionFrame> sink) {
		if (s.ack() >= 0) {
			try {
				acknowledged(s.ack());
			}
			catch (InvalidRequestException e) {
				sink.error(e);
				return;
			}
		}
		if (s.seq() == 0) {
			if (s.ack() >= 0 && peerNumbers) {
				return; // an acknowledgement only
			}
			synchronized (this) {
				legacy = true;
			}
			if (s.frame() != null) {
				sink.next(s.frame());
			}
			return;
		}
		peerNumbers = true;
		long d = delivered;
		if (s.seq() <= d) {
			duplicates.incrementAndGet();
			return; // sent again after a move, and received already
		}
		if (s.seq() != d + 1) {
			sink.error(new InvalidRequestException("Invalid " + what + ": field 'seq' must be " + (d + 1)
					+ " (the next frame) or less, was " + s.seq()));
			return;
		}
		delivered = d + 1;
		if (d + 1 - ackedSent >= ACK_EVERY) {
			ackedSent = d + 1;
			ackDue.set(d + 1);
			Channel ch = current;
			if (ch != null) {
				ch.out.drain();
			}
		}
		sink.next(s.frame());
	}

	private void acknowledged(long ack) {
		synchronized (this) {
			peerNumbers = true;
			long last = firstSeq + replay.size() - 1;
			if (ack > last && !legacy) {
				throw new InvalidRequestException("Invalid " + what + ": field 'ack' must be at most " + last
						+ " (the last frame sent), was " + ack);
			}
			int n = (int) Math.min(replay.size(), Math.max(0, ack - firstSeq + 1));
			for (int i = 0; i < n; i++) {
				replayBytes -= replay.get(i).data().length;
			}
			replay.subList(0, n).clear();
			firstSeq += n;
		}
		app.more();
	}

	/** One channel the session travelled or travels on. */
	private final class Channel {

		final Out out;
		final Sinks.Empty<Void> detached = Sinks.empty();

		Channel(long resumeFrom) {
			this.out = new Out(resumeFrom);
		}
	}

	/** The user's frames, taken as the replay buffer has room. */
	private final class AppSubscriber extends BaseSubscriber<SessionFrame> {

		@Override
		protected void hookOnSubscribe(Subscription s) {
			more();
		}

		void more() {
			if (upstream() == null) {
				return; // hookOnSubscribe asks
			}
			long n;
			boolean arm = false;
			synchronized (ResumableSession.this) {
				long room = MAX_REPLAY_FRAMES - replay.size() - outstanding;
				n = outstanding >= BATCH / 2 || replayBytes >= MAX_REPLAY_BYTES ? 0
						: Math.min(BATCH - outstanding, room);
				if (n <= 0 && !legacy && !peerNumbers && !waiting) {
					// the buffer is full and the other end said nothing yet: one that numbers frames acknowledges
					// at once, so one that stays silent for UNNUMBERED_AFTER does not number them (an earlier version)
					waiting = true;
					arm = true;
				}
				outstanding += Math.max(0, n);
			}
			if (arm) {
				Mono.delay(UNNUMBERED_AFTER).subscribe(x -> {
					synchronized (ResumableSession.this) {
						if (!peerNumbers) {
							legacy = true;
						}
					}
					drainCurrent();
				});
			}
			if (n > 0) {
				request(n);
			}
		}

		private boolean waiting;

		@Override
		protected void hookOnNext(SessionFrame f) {
			synchronized (ResumableSession.this) {
				replay.add(f);
				replayBytes += f.data().length;
				outstanding--;
			}
			drainCurrent();
			more();
		}

		@Override
		protected void hookOnComplete() {
			synchronized (ResumableSession.this) {
				appDone = true;
			}
			drainCurrent();
		}

		@Override
		protected void hookOnError(Throwable e) {
			synchronized (ResumableSession.this) {
				appError = e;
			}
			drainCurrent();
		}

		@Override
		protected void hookOnCancel() {
			outboundEnded = true;
			checkEnded();
		}
	}

	private void drainCurrent() {
		Channel ch = current;
		if (ch != null) {
			ch.out.drain();
		}
	}

	/** @return the acknowledgement due, taken, or -1 */
	private long takeAck() {
		long a = ackDue.get();
		return a >= 0 && ackDue.compareAndSet(a, -1) ? a : -1;
	}

	/** The payloads one channel sends: the frames after a number from the replay buffer, then new ones. */
	private final class Out implements Subscription {

		private final AtomicLong requested = new AtomicLong();
		private final AtomicInteger wip = new AtomicInteger();
		private CoreSubscriber<? super Payload> actual;
		/** The number of the next frame to send. */
		private long cursor;
		private volatile boolean started;
		private volatile boolean stopped;
		private volatile boolean cancelled;
		private boolean done;

		Out(long resumeFrom) {
			this.cursor = resumeFrom + 1;
			this.started = resumeFrom >= 0;
		}

		/** Whether this channel sent nothing yet: its first frame always says what this end received. */
		private boolean first = true;

		/** @return the acknowledgement the next frame carries, or -1 */
		private long nextAck() {
			if (!peerNumbers) {
				return -1;
			}
			long due = takeAck();
			if (first) {
				// another channel's drain may have taken the one due: the other end waits for it on this channel
				first = false;
				return delivered;
			}
			return due;
		}

		void start(long resumeFrom) {
			synchronized (ResumableSession.this) {
				cursor = resumeFrom + 1;
			}
			started = true;
			drain();
		}

		void stop() {
			stopped = true;
		}

		void subscribe(CoreSubscriber<? super Payload> s) {
			actual = s;
			s.onSubscribe(this);
			drain();
		}

		@Override
		public void request(long n) {
			if (n > 0) {
				requested.getAndUpdate(r -> r + n < 0 ? Long.MAX_VALUE : r + n);
				drain();
			}
		}

		@Override
		public void cancel() {
			cancelled = true;
			if (!stopped && current != null && current.out == this) {
				// the other end cancelled the session itself
				app.dispose();
			}
		}

		void drain() {
			if (actual == null || wip.getAndIncrement() != 0) {
				return;
			}
			do {
				while (started && !stopped && !cancelled && !done && requested.get() > 0) {
					SessionFrame f = null;
					long seq;
					boolean complete = false;
					Throwable error = null;
					boolean numbered;
					boolean trimmed = false;
					synchronized (ResumableSession.this) {
						while (legacy && firstSeq < cursor && !replay.isEmpty()) {
							// nothing kept for a peer that cannot move
							replayBytes -= replay.remove(0).data().length;
							firstSeq++;
							trimmed = true;
						}
						if (cursor < firstSeq) {
							cursor = firstSeq;
						}
						int index = (int) (cursor - firstSeq);
						if (index < replay.size()) {
							f = replay.get(index);
						}
						else if (appError != null) {
							error = appError;
						}
						else if (appDone) {
							complete = true;
						}
						seq = cursor;
						numbered = !legacy;
						if (f != null) {
							cursor++;
						}
					}
					if (trimmed) {
						app.more();
					}
					if (f != null) {
						// an unnumbered frame carries no ack: a receiver would take it for an acknowledgement only
						long ack = numbered ? nextAck() : -1;
						Payload p = codec.encode(f, numbered ? seq : 0, ack);
						requested.decrementAndGet();
						actual.onNext(p);
						continue;
					}
					long ack = numbered ? nextAck() : -1;
					if (ack >= 0) {
						requested.decrementAndGet();
						actual.onNext(codec.encodeAck(ack));
						continue;
					}
					if (error != null) {
						done = true;
						outboundEnded = true;
						actual.onError(error);
						checkEnded();
					}
					else if (complete) {
						done = true;
						outboundEnded = true;
						actual.onComplete();
						checkEnded();
					}
					break;
				}
			} while (wip.decrementAndGet() != 0);
		}
	}
}
