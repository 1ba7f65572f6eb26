// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.session;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;

import io.peercollab.CollaborationObserver;
import io.peercollab.PeerApplication;
import io.peercollab.PeerUnreachableException;
import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.SessionFrame;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SignalType;

/**
 * An invitee's side of a session: one channel to the host, which relays what the other members send.
 */
public final class MemberSession extends SessionBase {

	private final MessageBuffer<SessionFrame> out = new MessageBuffer<>(true);

	public MemberSession(UUID id, PeerApplication application, PeerName host) {
		this(id, application, host, CollaborationObserver.NOOP);
	}

	/** @param observer told about the messages of this session, and its close (guarded: it does not throw) */
	public MemberSession(UUID id, PeerApplication application, PeerName host, CollaborationObserver observer) {
		super(id, application, host, observer);
		memberJoined(host);
	}

	/**
	 * Wires the channel the host opened: its inbound frames are received here; what is sent here goes out.
	 *
	 * <p>How the host's frames end decides how the session ends: completion is the host's goodbye (a completed
	 * session), an error means the host is gone (a failed one, with {@link PeerUnreachableException}). The outbound
	 * side being cancelled says neither: a lost connection cancels it too, so only the inbound side decides.
	 */
	public Flux<SessionFrame> serve(Flux<SessionFrame> fromHost) {
		return out.flux().doOnSubscribe(s -> fromHost.subscribe(new FromHost()))
				.doFinally(s -> {
					if (s != SignalType.CANCEL) {
						dispose();
					}
				});
	}

	/** The host's frames, into the receive buffer, one credit back each time the reader took one. */
	private final class FromHost extends Inbound {

		@Override
		public void onNext(SessionFrame f) {
			// the transport handed the frame's array over: the message keeps it, without another copy
			PeerName from = f.origin() == null ? host() : f.origin();
			observer.sessionMessageReceived(MemberSession.this, from, f.data().length);
			if (!received.offer(SessionMessage.wrap(from, f.data()), this)) {
				// the session is closed: stop taking the host's frames, as a reader that went away would
				dispose();
			}
		}

		@Override
		public void onError(Throwable e) {
			if (e instanceof CancellationException) {
				// the host cancelled the channel: it ended this member's part on purpose
				MemberSession.this.dispose();
			}
			else {
				MemberSession.this.fail(unreachable(host(), e));
			}
		}

		@Override
		public void onComplete() {
			MemberSession.this.dispose();
		}
	}

	@Override
	public boolean isHost() {
		return false;
	}

	@Override
	public Set<PeerName> members() {
		return isDisposed() ? Set.of() : Set.of(host());
	}

	@Override
	void sendFrame(SessionFrame frame, MessageBuffer.Ticket ticket) {
		if (!out.offer(frame, ticket)) {
			ticket.done(false);
		}
	}

	@Override
	void onDispose() {
		out.close();
	}
}
