// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.session;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.CollaborationObserver;
import io.peercollab.PeerApplication;
import io.peercollab.PeerUnreachableException;
import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.invite.Invitations;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * The session an inviting endpoint hosts for one application: a hub with one channel per member. What a member sends
 * is delivered here and relayed to every other member, under flow control: a message is taken from a member's channel
 * only once it is buffered here and queued for every other member.
 *
 * <p>The session closes when it is disposed or when its last member leaves while no invitation naming it waits for an
 * answer; the next invitation to the application then starts a new one.
 */
public final class HostSession extends SessionBase {

	private final Invitations invitations;
	private final Map<PeerName, Member> members = new ConcurrentHashMap<>();
	/**
	 * Invitations sent for this session and not answered yet: the session waits for them before closing. Counted by
	 * the inviting side, which made the session when the first of them was accepted.
	 */
	private final AtomicInteger invitationsOut;

	/** The members now, for sending without an iterator per message; written under {@code this}. */
	private volatile Member[] memberArray = new Member[0];

	private final class Member extends Inbound {

		final PeerName name;
		final MessageBuffer<SessionFrame> out = new MessageBuffer<>(true);
		/** The context of the subscriber of the invitation that added this member: its channel's context. */
		private final Context context;

		Member(PeerName name, Context context) {
			this.name = name;
			this.context = context;
		}

		@Override
		public Context currentContext() {
			return context;
		}

		/**
		 * A frame from this member: buffered here for the host's reader and queued for every other member, under
		 * one ticket, so that the member's channel gets its credit back only once all of them took it.
		 */
		@Override
		public void onNext(SessionFrame f) {
			// the transport handed the array over: the host's message and the relayed frames share it, unmodified
			byte[] data = f.data();
			observer.sessionMessageReceived(HostSession.this, name, data.length);
			Member[] all = memberArray;
			int others = 0;
			for (Member m : all) {
				if (m != this) {
					others++;
				}
			}
			MessageBuffer.Ticket ticket = others == 0 ? this : new MessageBuffer.CountDown(others + 1, this);
			if (!received.offer(SessionMessage.wrap(name, data), ticket)) {
				// the session is closed: stop taking this member's frames
				ticket.done(false);
				dispose();
				return;
			}
			if (others > 0) {
				SessionFrame relayed = new SessionFrame(name, data);
				for (Member m : all) {
					if (m != this && !m.out.offer(relayed, ticket)) {
						ticket.done(false);
					}
				}
			}
		}

		@Override
		public void onError(Throwable e) {
			memberLeft(this, e);
		}

		@Override
		public void onComplete() {
			memberLeft(this, null);
		}
	}

	/**
	 * @param invitationsOut the invitations naming this session not answered yet, counted by the caller: while it is
	 * above zero, the session does not close for want of members
	 */
	public HostSession(UUID id, PeerApplication application, PeerName self, Invitations invitations,
			AtomicInteger invitationsOut) {
		this(id, application, self, invitations, invitationsOut, CollaborationObserver.NOOP);
	}

	/** @param observer told about the messages of this session, and its close (guarded: it does not throw) */
	public HostSession(UUID id, PeerApplication application, PeerName self, Invitations invitations,
			AtomicInteger invitationsOut, CollaborationObserver observer) {
		super(id, application, self, observer);
		this.invitations = invitations;
		this.invitationsOut = invitationsOut;
	}

	public void addMember(PeerConnection connection, UUID invitationId) {
		addMember(connection, invitationId, Context.empty());
	}

	/**
	 * Adds the member an accepted invitation names, and opens its channel.
	 *
	 * @param context the context the channel is subscribed with, so that the transport sees it (a trace id set by
	 * the subscriber of {@code invite(..)})
	 */
	public void addMember(PeerConnection connection, UUID invitationId, ContextView context) {
		Member m = new Member(connection.remote(), Context.of(context));
		Member old = members.put(m.name, m);
		membersChanged();
		memberJoined(m.name);
		if (old != null) {
			leave(old);
		}
		connection.session(new SessionOpen(invitationId, id(), application().id()), m.out.flux()).subscribe(m);
	}

	private synchronized void membersChanged() {
		memberArray = members.values().toArray(new Member[0]);
	}

	/**
	 * A member's channel ended: with {@code error == null} the member left (a goodbye), else it can no longer be
	 * reached. The session goes on for the others; if the last member was lost that way (and no invitation waits for
	 * an answer), the session fails with {@link PeerUnreachableException} instead of completing.
	 */
	private void memberLeft(Member m, Throwable error) {
		boolean wasMember = members.remove(m.name, m);
		boolean lost = error != null && !(error instanceof CancellationException);
		if (wasMember) {
			membersChanged();
			m.out.close();
			memberGone(m.name, lost ? unreachable(m.name, error) : null);
		}
		if (wasMember && lost) {
			failIfUnused(unreachable(m.name, error));
		}
		else {
			closeIfUnused();
		}
	}

	private synchronized void failIfUnused(PeerUnreachableException cause) {
		if (invitationsOut.get() == 0 && members.isEmpty()) {
			fail(cause);
		}
	}

	private void leave(Member m) {
		m.out.close();
		m.dispose();
	}

	/**
	 * Closes the session if it has no member and no invitation naming it waits for an answer: an invitee accepting
	 * later must find the session its invitation named. The count is read before the members, and an accepted
	 * invitation adds its member before it stops counting, so the two cannot both be missed.
	 */
	public synchronized void closeIfUnused() {
		if (invitationsOut.get() == 0 && members.isEmpty()) {
			dispose();
		}
	}

	@Override
	public boolean isHost() {
		return true;
	}

	@Override
	public Set<PeerName> members() {
		return Set.copyOf(members.keySet());
	}

	@Override
	void sendFrame(SessionFrame frame, MessageBuffer.Ticket ticket) {
		Member[] all = memberArray;
		if (all.length == 0) {
			ticket.done(true);
			return;
		}
		MessageBuffer.Ticket t = all.length == 1 ? ticket : new MessageBuffer.CountDown(all.length, ticket);
		for (Member m : all) {
			if (!m.out.offer(frame, t)) {
				// the member left meanwhile: the others still get it
				t.done(true);
			}
		}
	}

	@Override
	void onDispose() {
		invitations.hostClosed(this);
		// Completing each member's outbound ends its channel gracefully: the member drains, closes its side, and
		// the channel completes, so no message in flight is cut off.
		members.values().forEach(m -> m.out.close());
	}
}
