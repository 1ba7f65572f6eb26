// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.time.Duration;
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
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

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
 * <p>A direction ends in-band, as TCP's FIN does: when the user's frames are all taken, this end sends an end of
 * frames ({@code {"end": n}}), numbered, kept and sent again after a move as a frame is, which the other end
 * acknowledges and delivers to its user as completion, once. The channel's outbound completes only when this end's
 * end of frames is acknowledged and this end received the other's and acknowledged it: until then acknowledgements
 * flow both ways, whichever direction ended first, and the session can still move.
 *
 * <p>What the other end can make this end hold is bounded: the replay buffer holds at most
 * {@link #MAX_REPLAY_FRAMES} frames and about {@link #MAX_REPLAY_BYTES} bytes; beyond that, this end stops taking
 * frames from its user (back pressure) until acknowledgements free room. A re-attachment asking for frames the buffer
 * no longer holds fails with {@link LimitExceededException} naming the limit. A receiver takes frames in as they
 * arrive and acknowledges them (every {@link #ACK_EVERY} frames or {@link #ACK_BYTES} bytes of data, whichever comes
 * first) while fewer than {@link #MAX_REPLAY_FRAMES} frames and {@link #MAX_REPLAY_BYTES} bytes wait for its user;
 * beyond that it holds its acknowledgement back until its user reads, so that a slow reader slows the sender instead of
 * failing, and at most {@link #MAX_RECEIVED_FRAMES} frames ever wait.
 *
 * <p>A peer that does not number its frames (an earlier version) gets an ordinary session: nothing is kept for it,
 * and the channel's outbound completes as soon as the user's frames are sent; it is never sent an end of frames.
 */
final class ResumableSession {

	/** How many unacknowledged frames the replay buffer holds at most. */
	static final int MAX_REPLAY_FRAMES = 1024;

	/** How many bytes of unacknowledged frames' data the replay buffer holds, about (one batch above is possible). */
	static final int MAX_REPLAY_BYTES = 1 << 20;

	/**
	 * How many received frames wait for the user at most: the other end's replay buffer, twice (this end acknowledges
	 * while fewer than {@link #MAX_REPLAY_FRAMES} wait, and the other end sends at most that many beyond).
	 */
	static final int MAX_RECEIVED_FRAMES = 2 * MAX_REPLAY_FRAMES;

	/** How many frames a receiver takes between two acknowledgements, at most. */
	static final int ACK_EVERY = 32;

	/**
	 * How many bytes of frames' data a receiver takes between two acknowledgements, at most (one frame above is
	 * possible): a quarter of what the sender keeps unacknowledged, so that large frames, which fill the sender's replay
	 * buffer in fewer than {@link #ACK_EVERY}, are acknowledged before the sender has to stop for them.
	 */
	static final int ACK_BYTES = MAX_REPLAY_BYTES / 4;

	/**
	 * How long a full replay buffer waits for the other end's first frame: silent that long, it is taken for a peer
	 * that does not number frames, and nothing more is kept for it.
	 */
	static final Duration UNNUMBERED_AFTER = Duration.ofSeconds(5);

	/** How many frames are asked of the user at a time. */
	private static final int BATCH = 32;

	private final SessionFrames codec;
	private final String what;
	private final String token;

	/** Stands in the replay buffer for this end's end of frames: numbered and sent again as a frame is. */
	private static final SessionFrame END = new SessionFrame(null, new byte[0]);

	// the outbound side, guarded by this
	private final List<SessionFrame> replay = new ArrayList<>();
	/** The number of this end's end of frames once the user's frames are all taken, else 0. */
	private long endSeq;
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
	/** The last number acknowledged (or to be, as soon as the user reads: ackHeld), guarded by acks. */
	private long ackedSent;
	/** The bytes of frames' data received since the last acknowledgement, guarded by acks. */
	private long bytesSinceAck;
	private boolean ackHeld;
	private final Object acks = new Object();
	private final AtomicLong ackDue = new AtomicLong(-1);
	private volatile boolean peerNumbers;
	/** Whether the other end's end of frames was delivered. */
	private volatile boolean peerEnded;
	/** How many received frames wait for the user, and the bytes of their data. */
	private final AtomicLong unread = new AtomicLong();
	private final AtomicLong unreadBytes = new AtomicLong();
	private final Sinks.Many<SessionFrame> toUser =
			Sinks.many().unicast().onBackpressureBuffer(Queues.<SessionFrame>unbounded().get());
	private final Receiver receiver = new Receiver();

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
	 * when the other end's end of frames arrives (or, from a peer that does not number frames, when the channel
	 * ends). The channels are read on, for acknowledgements, after that: the channel ends when both directions did.
	 * Cancelling it ends the session both ways.
	 */
	Flux<SessionFrame> inbound() {
		// Frames are taken in (and acknowledged) as they arrive, whatever the user's pace, up to MAX_REPLAY_FRAMES
		// waiting: acknowledgements ride on frames, so a receiver that stopped reading for its user would stop the
		// other end's acknowledgements too, and two full replay buffers would wait for each other.
		// the user's Reactor Context reaches the channels (the RSocket requester's interceptors read it there) through
		// the receiver, which subscribes them
		return Flux.deferContextual(ctx -> {
			receiver.context = Context.of(ctx);
			return toUser.asFlux()
					.doOnSubscribe(s -> channels.asFlux().flatMap(f -> f, 4, 32).subscribe(receiver))
					.doOnNext(this::taken)
					.doOnCancel(receiver::dispose);
		});
	}

	/** Reads every channel's frames, in order, whatever the user's pace. */
	private final class Receiver extends BaseSubscriber<SessionFrames.Sequenced> {

		/** The Context of the user's subscription to {@link #inbound()}. */
		private volatile Context context = Context.empty();

		@Override
		public Context currentContext() {
			return context;
		}

		@Override
		protected void hookOnSubscribe(Subscription s) {
			requestUnbounded();
		}

		@Override
		protected void hookOnNext(SessionFrames.Sequenced s) {
			try {
				receive(s);
			}
			catch (RuntimeException e) {
				dispose();
				toUser.tryEmitError(e);
			}
		}

		@Override
		protected void hookOnComplete() {
			toUser.tryEmitComplete();
		}

		@Override
		protected void hookOnError(Throwable e) {
			toUser.tryEmitError(e);
		}

		@Override
		protected void hookFinally(SignalType s) {
			inboundEnded = true;
			if (s != SignalType.ON_COMPLETE) {
				// a session ended by this end's user, or failed: the other direction ends with it
				app.dispose();
				outboundEnded = true;
			}
			checkEnded();
		}
	}

	/** The user took a frame: an acknowledgement held back for a full receive buffer goes now. */
	private void taken(SessionFrame f) {
		long frames = unread.decrementAndGet();
		long bytes = unreadBytes.addAndGet(-f.data().length);
		if (full(frames, bytes)) {
			return;
		}
		long a = -1;
		synchronized (acks) {
			if (ackHeld) {
				ackHeld = false;
				ackedSent = delivered;
				bytesSinceAck = 0;
				a = ackedSent;
			}
		}
		if (a >= 0) {
			ackDue.accumulateAndGet(a, Math::max);
			drainCurrent();
		}
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
	record Move(Duration took, long unacknowledged, long sentAgain) {
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
					lastMove = new Move(Duration.ZERO, unacked, firstSeq + replay.size() - 1 - resumeFrom);
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
							lastMove = new Move(Duration.ofNanos(System.nanoTime() - startedAt), unacked,
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

	/**
	 * The serialized receiver of every channel's frames.
	 *
	 * @throws InvalidRequestException for a number out of order, naming the field
	 * @throws LimitExceededException if more frames wait for the user than the other end may send unacknowledged
	 */
	private void receive(SessionFrames.Sequenced s) {
		if (s.ack() >= 0) {
			acknowledged(s.ack());
		}
		if (s.end()) {
			peerNumbers = true;
			long d = delivered;
			if (s.seq() <= d) {
				duplicates.incrementAndGet();
				return; // sent again after a move, and received already: delivered once
			}
			if (s.seq() != d + 1) {
				throw new InvalidRequestException("Invalid " + what + ": field 'end' must be " + (d + 1)
						+ " (the next frame) or less, was " + s.seq());
			}
			delivered = d + 1;
			peerEnded = true;
			synchronized (acks) {
				// acknowledged at once, whatever waits: the other end sends nothing after it
				ackHeld = false;
				ackedSent = d + 1;
				bytesSinceAck = 0;
			}
			ackDue.accumulateAndGet(d + 1, Math::max);
			toUser.tryEmitComplete();
			drainCurrent();
			return;
		}
		if (s.seq() == 0) {
			if (s.ack() >= 0 && peerNumbers) {
				return; // an acknowledgement only
			}
			synchronized (this) {
				legacy = true;
			}
			if (s.frame() != null) {
				deliver(s.frame());
			}
			return;
		}
		peerNumbers = true;
		long d = delivered;
		if (s.seq() <= d) {
			duplicates.incrementAndGet();
			return; // sent again after a move, and received already
		}
		if (peerEnded) {
			throw new InvalidRequestException("Invalid " + what + ": field 'seq' must be at most " + d
					+ " (the end of frames), was " + s.seq());
		}
		if (s.seq() != d + 1) {
			throw new InvalidRequestException("Invalid " + what + ": field 'seq' must be " + (d + 1)
					+ " (the next frame) or less, was " + s.seq());
		}
		delivered = d + 1;
		long waiting = deliver(s.frame());
		long a = -1;
		synchronized (acks) {
			bytesSinceAck += s.frame().data().length;
			if (d + 1 - ackedSent >= ACK_EVERY || bytesSinceAck >= ACK_BYTES) {
				if (!full(waiting, unreadBytes.get())) {
					ackedSent = d + 1;
					bytesSinceAck = 0;
					a = d + 1;
				}
				else {
					ackHeld = true; // sent when the user reads (taken)
				}
			}
		}
		if (a >= 0) {
			ackDue.accumulateAndGet(a, Math::max);
			drainCurrent();
		}
	}

	/**
	 * @return whether so much waits for the user that the acknowledgement is held back: {@link #MAX_REPLAY_FRAMES}
	 *     frames, or {@link #MAX_REPLAY_BYTES} bytes of their data
	 */
	private static boolean full(long frames, long bytes) {
		return frames >= MAX_REPLAY_FRAMES || bytes >= MAX_REPLAY_BYTES;
	}

	/** @return how many frames wait for the user, with this one */
	private long deliver(SessionFrame f) {
		unreadBytes.addAndGet(f.data().length);
		long waiting = unread.incrementAndGet();
		if (waiting > MAX_RECEIVED_FRAMES) {
			throw new LimitExceededException("session receive buffer (" + MAX_RECEIVED_FRAMES + " frames) full: "
					+ what + " sent more frames than its replay buffer holds unacknowledged (" + MAX_REPLAY_FRAMES
					+ ")");
		}
		toUser.tryEmitNext(f);
		return waiting;
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
		// the first acknowledgement also says the other end numbers frames: an end of frames may go now
		drainCurrent();
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
				armUnnumbered();
			}
			if (n > 0) {
				request(n);
			}
		}

		private boolean waiting;

		private void armUnnumbered() {
			Mono.delay(UNNUMBERED_AFTER).subscribe(x -> {
				synchronized (ResumableSession.this) {
					if (!peerNumbers) {
						legacy = true;
					}
				}
				drainCurrent();
			});
		}

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
			boolean arm = false;
			synchronized (ResumableSession.this) {
				appDone = true;
				replay.add(END);
				endSeq = firstSeq + replay.size() - 1;
				if (!legacy && !peerNumbers && !waiting) {
					// an end of frames goes only to a peer known to number frames: wait for its first, or take it
					// for an earlier version after UNNUMBERED_AFTER
					waiting = true;
					arm = true;
				}
			}
			if (arm) {
				armUnnumbered();
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
				outboundEnded = true;
				checkEnded();
			}
		}

		void drain() {
			if (actual == null || wip.getAndIncrement() != 0) {
				return;
			}
			do {
				while (started && !stopped && !cancelled && !done) {
					boolean canSend = requested.get() > 0;
					SessionFrame f = null;
					long seq;
					Throwable error = null;
					boolean legacyComplete = false;
					boolean bothEnded = false;
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
							if (f == END && legacy) {
								// an earlier version knows no end of frames: the channel's end is the end
								f = null;
								legacyComplete = true;
							}
							else if (f == END && !peerNumbers) {
								f = null; // wait for the other end to show it numbers frames (or UNNUMBERED_AFTER)
							}
						}
						else if (appError != null) {
							error = appError;
						}
						else {
							// this end's end of frames acknowledged: done once the other's arrived (and is acknowledged)
							bothEnded = endSeq > 0 && firstSeq > endSeq && peerEnded;
						}
						seq = cursor;
						numbered = !legacy;
						if (f != null && canSend) {
							cursor++;
						}
					}
					if (trimmed) {
						app.more();
					}
					if (f != null) {
						if (!canSend) {
							break;
						}
						// an unnumbered frame carries no ack: a receiver would take it for an acknowledgement only
						long ack = numbered ? nextAck() : -1;
						Payload p = f == END ? codec.encodeEnd(seq, ack) : codec.encode(f, numbered ? seq : 0, ack);
						requested.decrementAndGet();
						actual.onNext(p);
						continue;
					}
					if (numbered && canSend) {
						long ack = nextAck();
						if (ack >= 0) {
							requested.decrementAndGet();
							actual.onNext(codec.encodeAck(ack));
							continue;
						}
					}
					if (error != null) {
						done = true;
						outboundEnded = true;
						actual.onError(error);
						checkEnded();
					}
					else if (legacyComplete || bothEnded && !first && ackDue.get() < 0) {
						// (a channel's first frame, an acknowledgement due, go before its end)
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
