// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.session;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.ChangeType;
import io.peercollab.CollaborationObserver;
import io.peercollab.CollaborationSession;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerUnreachableException;
import io.peercollab.SessionMemberChange;
import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.SerialSink;
import io.peercollab.internal.invite.Invitations;
import io.peercollab.spi.SessionFrame;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;

/**
 * What the host's and a member's side of a session share: identity, the receive buffer, size checks, closing.
 */
abstract class SessionBase implements CollaborationSession {

	/**
	 * The credit window of a channel, in frames: a receiving side asks for this many frames at once, and for
	 * {@link #WIRE_REFILL} more each time that many were consumed (taken by the reader, or relayed by the host).
	 * Asking for one frame after each frame made every message wait for its own REQUEST_N round trip; a window of the
	 * receive buffer's size keeps the wire busy while a member that does not read still holds at most
	 * {@link #RECEIVE_BUFFER} messages of a channel. A sender takes messages from a publisher by the same window.
	 */
	static final int WIRE_PREFETCH = RECEIVE_BUFFER;

	/**
	 * How many consumed frames make a channel ask for more: half the window, so that half stays in flight while the
	 * REQUEST_N travels, with half as many REQUEST_N frames (each a TLS record and a write on both connections) as a
	 * quarter would take. Reactor's {@code limitRate} refills at three quarters, which left the wire idle for a round
	 * trip in four in SessionBenchmark.
	 */
	static final int WIRE_REFILL = WIRE_PREFETCH >> 1;

	private final UUID id;
	private final PeerApplication application;
	private final PeerName host;
	final MessageBuffer<SessionMessage> received = new MessageBuffer<>(false);
	private final Sinks.Empty<Void> closed = Sinks.empty();
	private final AtomicBoolean disposed = new AtomicBoolean();
	/** Told about each message sent and received, and the close; guarded: it does not throw. */
	final CollaborationObserver observer;
	/** The members {@link #memberChanges()} has announced and not removed yet. */
	private final Set<PeerName> announced = ConcurrentHashMap.newKeySet();
	/**
	 * Member changes, to every {@link #memberChanges()} subscriber's own buffer (each takes all it is given), one at a
	 * time in the order they happened: they come from the channels' threads, and a subscriber that reacts to a change
	 * by ending the session (which removes every member) must not wait on its own emission.
	 */
	private final SerialSink<SessionMemberChange> memberSink = new SerialSink<>(
			Sinks.many().multicast().directBestEffort());

	private static final Sinks.EmitFailureHandler SERIALIZE = Sinks.EmitFailureHandler.busyLooping(
			Duration.ofSeconds(1));

	SessionBase(UUID id, PeerApplication application, PeerName host, CollaborationObserver observer) {
		this.id = id;
		this.application = application;
		this.host = host;
		this.observer = observer;
	}

	/**
	 * Queues one frame for whoever this side sends to; called with a checked frame on an open session.
	 *
	 * @param ticket punched once every recipient's channel took the frame (or dropped it)
	 */
	abstract void sendFrame(SessionFrame frame, MessageBuffer.Ticket ticket);

	/** Releases what this side holds; called once, by {@link #dispose()}. */
	abstract void onDispose();

	@Override
	public final UUID id() {
		return id;
	}

	@Override
	public final PeerApplication application() {
		return application;
	}

	@Override
	public final PeerName host() {
		return host;
	}

	@Override
	public final Flux<SessionMessage> receive() {
		return received.flux();
	}

	@Override
	public final Mono<Void> send(byte[] data) {
		Objects.requireNonNull(data, "data");
		if (data.length > SessionMessage.MAX_DATA_LENGTH) {
			return Mono.error(new PayloadTooLargeException(
					"a session message is at most " + SessionMessage.MAX_DATA_LENGTH + " bytes, was " + data.length));
		}
		// the frame holds the caller's array until the transport took it (encoded or copied it): the Mono completes
		// only then, so an array reused after completion is never read again
		return Mono.create(sink -> {
			if (disposed.get()) {
				sink.error(Invitations.sessionClosed());
				return;
			}
			observer.sessionMessageSent(this, data.length);
			sendFrame(new SessionFrame(null, data), delivered -> {
				if (!delivered && disposed.get()) {
					sink.error(Invitations.sessionClosed());
				}
				else {
					sink.success();
				}
			});
		});
	}

	@Override
	public final Mono<Void> send(Publisher<byte[]> data) {
		Objects.requireNonNull(data, "data");
		return Mono.create(sink -> {
			Sender sender = new Sender(sink);
			sink.onDispose(sender::cancel);
			data.subscribe(sender);
		});
	}

	/**
	 * Takes messages from a publisher a window at a time ({@link #WIRE_PREFETCH}, then {@link #WIRE_REFILL} more each
	 * time that many were taken by every recipient's channel): the publisher runs only as fast as the slowest member,
	 * and no message waits for a request of its own. Completes when the publisher completed and every message it
	 * sent was taken; each array is held until then and not copied.
	 */
	private final class Sender extends AtomicInteger implements CoreSubscriber<byte[]>, MessageBuffer.Ticket {

		private final MonoSink<Void> sink;
		private final AtomicInteger outstanding = new AtomicInteger();
		private final AtomicBoolean finished = new AtomicBoolean();
		private volatile Subscription upstream;
		private volatile boolean upstreamDone;

		Sender(MonoSink<Void> sink) {
			this.sink = sink;
		}

		@Override
		public void onSubscribe(Subscription s) {
			if (Operators.validate(upstream, s)) {
				upstream = s;
				s.request(WIRE_PREFETCH);
			}
		}

		@Override
		public void onNext(byte[] message) {
			if (finished.get()) {
				return;
			}
			if (message == null) {
				finish(new NullPointerException("data must not emit null"), true);
				return;
			}
			if (message.length > SessionMessage.MAX_DATA_LENGTH) {
				finish(new PayloadTooLargeException("a session message is at most " + SessionMessage.MAX_DATA_LENGTH
						+ " bytes, was " + message.length), true);
				return;
			}
			if (disposed.get()) {
				finish(Invitations.sessionClosed(), true);
				return;
			}
			outstanding.incrementAndGet();
			observer.sessionMessageSent(SessionBase.this, message.length);
			sendFrame(new SessionFrame(null, message), this);
		}

		@Override
		public void done(boolean delivered) {
			if (!delivered && disposed.get()) {
				finish(Invitations.sessionClosed(), true);
			}
			if (outstanding.decrementAndGet() == 0 && upstreamDone) {
				finish(null, false);
			}
			if (incrementAndGet() == WIRE_REFILL) {
				addAndGet(-WIRE_REFILL);
				Subscription s = upstream;
				if (s != null && !finished.get()) {
					s.request(WIRE_REFILL);
				}
			}
		}

		@Override
		public void onError(Throwable t) {
			finish(t, false);
		}

		@Override
		public void onComplete() {
			upstreamDone = true;
			if (outstanding.get() == 0) {
				finish(null, false);
			}
		}

		void cancel() {
			if (finished.compareAndSet(false, true)) {
				Subscription s = upstream;
				if (s != null) {
					s.cancel();
				}
			}
		}

		private void finish(Throwable error, boolean cancelUpstream) {
			if (!finished.compareAndSet(false, true)) {
				return;
			}
			if (cancelUpstream) {
				Subscription s = upstream;
				if (s != null) {
					s.cancel();
				}
			}
			if (error == null) {
				sink.success();
			}
			else {
				sink.error(error);
			}
		}
	}

	/**
	 * Takes the frames of one channel by the credit window ({@link #WIRE_PREFETCH}, then {@link #WIRE_REFILL} more
	 * each time that many were consumed): subclasses queue each frame with this as (or under) its ticket.
	 */
	abstract static class Inbound extends AtomicInteger implements CoreSubscriber<SessionFrame>, MessageBuffer.Ticket,
			reactor.core.Disposable {

		private volatile Subscription upstream;
		private volatile boolean cancelled;

		@Override
		public final void onSubscribe(Subscription s) {
			if (Operators.validate(upstream, s)) {
				upstream = s;
				if (cancelled) {
					s.cancel();
				}
				else {
					s.request(WIRE_PREFETCH);
				}
			}
		}

		@Override
		public final void done(boolean delivered) {
			if (incrementAndGet() == WIRE_REFILL) {
				addAndGet(-WIRE_REFILL);
				Subscription s = upstream;
				if (s != null && !cancelled) {
					s.request(WIRE_REFILL);
				}
			}
		}

		@Override
		public final void dispose() {
			cancelled = true;
			Subscription s = upstream;
			if (s != null) {
				s.cancel();
			}
		}

		@Override
		public final boolean isDisposed() {
			return cancelled;
		}
	}

	/** A member joined: announced to {@link #memberChanges()} unless it already was (it joined again). */
	final void memberJoined(PeerName member) {
		if (!disposed.get() && announced.add(member)) {
			SessionMemberChange added = new SessionMemberChange(ChangeType.ADDED, member, Optional.empty());
			memberSink.next(added);
			if (disposed.get()) {
				// the session ended meanwhile: its end may have missed this member
				memberGone(member, null);
			}
		}
	}

	/** A member's part ended: {@code lost} says why if it could no longer be reached, {@code null} for a goodbye. */
	final void memberGone(PeerName member, PeerUnreachableException lost) {
		if (announced.remove(member)) {
			SessionMemberChange removed = new SessionMemberChange(ChangeType.REMOVED, member, Optional.ofNullable(lost));
			memberSink.next(removed);
		}
	}

	/** The session ended: every member still announced is removed, then the member changes complete. */
	private void membersEnded(PeerUnreachableException lost) {
		for (PeerName m : List.copyOf(announced)) {
			memberGone(m, lost);
		}
		memberSink.complete();
	}

	@Override
	public final Flux<SessionMemberChange> memberChanges() {
		return Flux.defer(() -> {
			// the live changes first, into this subscriber's buffer, then the members now: a change made meanwhile
			// is in both, and the filter below drops what repeats the state already told
			Sinks.Many<SessionMemberChange> buffer = Sinks.many().unicast().onBackpressureBuffer();
			reactor.core.Disposable live = memberSink.asFlux().subscribe(
					c -> buffer.emitNext(c, SERIALIZE), e -> buffer.emitError(e, SERIALIZE),
					() -> buffer.emitComplete(SERIALIZE));
			List<SessionMemberChange> now = disposed.get() ? List.of() : announced.stream()
					.map(m -> new SessionMemberChange(ChangeType.ADDED, m, Optional.empty())).toList();
			Set<PeerName> known = new HashSet<>();
			return Flux.fromIterable(now).concatWith(buffer.asFlux())
					.filter(c -> c.type() == ChangeType.ADDED ? known.add(c.member()) : known.remove(c.member()))
					.doFinally(s -> live.dispose());
		});
	}

	@Override
	public final Mono<Void> onClose() {
		return closed.asMono();
	}

	@Override
	public final void dispose() {
		if (disposed.compareAndSet(false, true)) {
			onDispose();
			received.close();
			membersEnded(null);
			closed.tryEmitEmpty();
			observer.sessionClosed(this);
		}
	}

	/**
	 * Ends the session because the other side can no longer be reached (its process died, the network went silent):
	 * unlike {@link #dispose()}, which is a goodbye, {@link #receive()} delivers what it buffered and then fails with
	 * {@code cause}, and {@link #onClose()} fails with it too.
	 */
	final void fail(PeerUnreachableException cause) {
		if (disposed.compareAndSet(false, true)) {
			onDispose();
			received.fail(cause);
			membersEnded(cause);
			closed.tryEmitError(cause);
			observer.sessionClosed(this);
		}
	}

	/** @return {@code e} if it says the peer is unreachable, else a {@link PeerUnreachableException} wrapping it */
	static PeerUnreachableException unreachable(PeerName peer, Throwable e) {
		return e instanceof PeerUnreachableException u ? u
				: new PeerUnreachableException("lost the session's connection to " + peer + ": " + e.getMessage(), e);
	}

	@Override
	public final boolean isDisposed() {
		return disposed.get();
	}

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[" + id + ", " + application.description() + ", host=" + host + "]";
	}
}
