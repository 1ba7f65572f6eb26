// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.observe;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.peercollab.CollaborationObserver;
import io.peercollab.CollaborationSession;
import io.peercollab.Diagnostic;
import io.peercollab.InvitationState;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.PeerNameResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Exceptions;
import reactor.util.context.ContextView;

/**
 * The user's observer, as every room of the engine calls it: an exception it throws is caught and logged (the first
 * one at WARN, later ones at DEBUG), never passed to the engine. {@link #guard} leaves
 * {@link CollaborationObserver#NOOP} as it is, so that a no-op observer stays a call the JIT removes.
 */
public final class GuardedObserver implements CollaborationObserver {

	private static final Logger log = LoggerFactory.getLogger(CollaborationObserver.class);

	private final CollaborationObserver delegate;
	private final AtomicBoolean warned = new AtomicBoolean();

	private GuardedObserver(CollaborationObserver delegate) {
		this.delegate = delegate;
	}

	/** @return {@code observer} guarded, or {@code NOOP} itself (which cannot throw); never wraps twice */
	public static CollaborationObserver guard(CollaborationObserver observer) {
		if (observer == null || observer == NOOP) {
			return NOOP;
		}
		return observer instanceof GuardedObserver ? observer : new GuardedObserver(observer);
	}

	/** @return the time since {@code startNanos}, a value of {@link #now()} */
	public static Duration since(long startNanos) {
		return Duration.ofNanos(System.nanoTime() - startNanos);
	}

	/** @return the clock of every latency the engine reports, in nanoseconds */
	public static long now() {
		return System.nanoTime();
	}

	private void failed(String method, Throwable e) {
		// a VirtualMachineError and the like are not the observer's to swallow
		Exceptions.throwIfJvmFatal(e);
		if (warned.compareAndSet(false, true)) {
			log.warn("the observer {} threw from {}; the library ignores it (further failures are logged at DEBUG)",
					delegate, method, e);
		}
		else {
			log.debug("the observer {} threw from {}", delegate, method, e);
		}
	}

	@Override
	public void connectionOpened(PeerName remote, PeerAddress address, Direction direction) {
		try {
			delegate.connectionOpened(remote, address, direction);
		}
		catch (Throwable e) {
			failed("connectionOpened", e);
		}
	}

	@Override
	public void connectionPath(PeerName remote, PeerAddress address, Direction direction,
			io.peercollab.ConnectionPath path) {
		try {
			delegate.connectionPath(remote, address, direction, path);
		}
		catch (Throwable e) {
			failed("connectionPath", e);
		}
	}

	@Override
	public void connectionClosed(PeerName remote, PeerAddress address, Direction direction, Duration lifetime) {
		try {
			delegate.connectionClosed(remote, address, direction, lifetime);
		}
		catch (Throwable e) {
			failed("connectionClosed", e);
		}
	}

	@Override
	public void connectionRefused(Diagnostic refusal) {
		try {
			delegate.connectionRefused(refusal);
		}
		catch (Throwable e) {
			failed("connectionRefused", e);
		}
	}

	@Override
	public void connectFailed(PeerName expected, PeerAddress address, Throwable error) {
		try {
			delegate.connectFailed(expected, address, error);
		}
		catch (Throwable e) {
			failed("connectFailed", e);
		}
	}

	@Override
	public void invitationSent(PeerName invitee, PeerApplication application, ContextView context) {
		try {
			delegate.invitationSent(invitee, application, context);
		}
		catch (Throwable e) {
			failed("invitationSent", e);
		}
	}

	@Override
	public void invitationAnswered(PeerName invitee, PeerApplication application, InvitationStatus status,
			Duration latency, ContextView context) {
		try {
			delegate.invitationAnswered(invitee, application, status, latency, context);
		}
		catch (Throwable e) {
			failed("invitationAnswered", e);
		}
	}

	@Override
	public void invitationFailed(PeerName invitee, PeerApplication application, Throwable error,
			Duration latency, ContextView context) {
		try {
			delegate.invitationFailed(invitee, application, error, latency, context);
		}
		catch (Throwable e) {
			failed("invitationFailed", e);
		}
	}

	@Override
	public void invitationReceived(PeerName sender, PeerApplication application) {
		try {
			delegate.invitationReceived(sender, application);
		}
		catch (Throwable e) {
			failed("invitationReceived", e);
		}
	}

	@Override
	public void invitationResponded(PeerName sender, PeerApplication application, InvitationState state,
			Duration latency) {
		try {
			delegate.invitationResponded(sender, application, state, latency);
		}
		catch (Throwable e) {
			failed("invitationResponded", e);
		}
	}

	@Override
	public void followerAdded(PeerName follower) {
		try {
			delegate.followerAdded(follower);
		}
		catch (Throwable e) {
			failed("followerAdded", e);
		}
	}

	@Override
	public void followerRemoved(PeerName follower) {
		try {
			delegate.followerRemoved(follower);
		}
		catch (Throwable e) {
			failed("followerRemoved", e);
		}
	}

	@Override
	public void sessionOpened(CollaborationSession session) {
		try {
			delegate.sessionOpened(session);
		}
		catch (Throwable e) {
			failed("sessionOpened", e);
		}
	}

	@Override
	public void sessionClosed(CollaborationSession session) {
		try {
			delegate.sessionClosed(session);
		}
		catch (Throwable e) {
			failed("sessionClosed", e);
		}
	}

	@Override
	public void sessionMessageSent(CollaborationSession session, int bytes) {
		try {
			delegate.sessionMessageSent(session, bytes);
		}
		catch (Throwable e) {
			failed("sessionMessageSent", e);
		}
	}

	@Override
	public void sessionMessageReceived(CollaborationSession session, PeerName from, int bytes) {
		try {
			delegate.sessionMessageReceived(session, from, bytes);
		}
		catch (Throwable e) {
			failed("sessionMessageReceived", e);
		}
	}

	@Override
	public void peerNearMe(PeerNearMeEvent event) {
		try {
			delegate.peerNearMe(event);
		}
		catch (Throwable e) {
			failed("peerNearMe", e);
		}
	}

	@Override
	public void nameResolved(PeerNameResolver resolver, PeerName name, Outcome outcome, Duration latency) {
		try {
			delegate.nameResolved(resolver, name, outcome, latency);
		}
		catch (Throwable e) {
			failed("nameResolved", e);
		}
	}

	@Override
	public void namePublished(PeerNamePublisher publisher, int endPoints, Outcome outcome, Duration latency) {
		try {
			delegate.namePublished(publisher, endPoints, outcome, latency);
		}
		catch (Throwable e) {
			failed("namePublished", e);
		}
	}

	@Override
	public String toString() {
		return "Guarded[" + delegate + "]";
	}
}
