// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import io.peercollab.identity.PeerName;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.PeerNameResolver;
import reactor.core.publisher.Sinks;
import reactor.util.context.ContextView;

/**
 * A {@link CollaborationObserver} that records every call, in order, and lets a test wait for the first call that
 * matches (a signal with a timeout, not a sleep). Shared by the observer tests of the core and of the transports.
 */
public final class RecordingObserver implements CollaborationObserver {

	/** One call: the method's name and its arguments. */
	public record Call(String method, List<Object> args) {

		public Object arg(int i) {
			return args.get(i);
		}

		@Override
		public String toString() {
			return method + args;
		}
	}

	private final Sinks.Many<Call> calls = Sinks.many().replay().all();
	private final List<Call> recorded = new CopyOnWriteArrayList<>();

	private void record(String method, Object... args) {
		Call call = new Call(method, java.util.Arrays.asList(args));
		recorded.add(call);
		// several threads call at once: retry briefly rather than lose a call
		calls.emitNext(call, Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
	}

	/** @return the first call (recorded so far or later) that is {@code method} and matches, within {@code wait} */
	public Call await(String method, Predicate<Call> matching, Duration wait) {
		Call c = calls.asFlux().filter(x -> x.method().equals(method) && matching.test(x)).next().block(wait);
		if (c == null) {
			throw new AssertionError("no call of " + method + " matched; calls: " + recorded());
		}
		return c;
	}

	/** @return the first call of {@code method}, within {@code wait} */
	public Call await(String method, Duration wait) {
		return await(method, c -> true, wait);
	}

	/** @return every call recorded so far */
	public List<Call> recorded() {
		return List.copyOf(recorded);
	}

	/** @return the calls of {@code method} recorded so far */
	public List<Call> recorded(String method) {
		return recorded().stream().filter(c -> c.method().equals(method)).toList();
	}

	@Override
	public void connectionOpened(PeerName remote, PeerAddress address, Direction direction) {
		record("connectionOpened", remote, address, direction);
	}

	@Override
	public void connectionClosed(PeerName remote, PeerAddress address, Direction direction, Duration lifetime) {
		record("connectionClosed", remote, address, direction, lifetime);
	}

	@Override
	public void connectionRefused(Diagnostic refusal) {
		record("connectionRefused", refusal);
	}

	@Override
	public void connectFailed(PeerName expected, PeerAddress address, Throwable error) {
		record("connectFailed", expected, address, error);
	}

	@Override
	public void invitationSent(PeerName invitee, PeerApplication application, ContextView context) {
		record("invitationSent", invitee, application, context);
	}

	@Override
	public void invitationAnswered(PeerName invitee, PeerApplication application, InvitationStatus status,
			Duration latency, ContextView context) {
		record("invitationAnswered", invitee, application, status, latency, context);
	}

	@Override
	public void invitationFailed(PeerName invitee, PeerApplication application, Throwable error, Duration latency,
			ContextView context) {
		record("invitationFailed", invitee, application, error, latency, context);
	}

	@Override
	public void invitationReceived(PeerName sender, PeerApplication application) {
		record("invitationReceived", sender, application);
	}

	@Override
	public void invitationResponded(PeerName sender, PeerApplication application, InvitationState state,
			Duration latency) {
		record("invitationResponded", sender, application, state, latency);
	}

	@Override
	public void followerAdded(PeerName follower) {
		record("followerAdded", follower);
	}

	@Override
	public void followerRemoved(PeerName follower) {
		record("followerRemoved", follower);
	}

	@Override
	public void sessionOpened(CollaborationSession session) {
		record("sessionOpened", session);
	}

	@Override
	public void sessionClosed(CollaborationSession session) {
		record("sessionClosed", session);
	}

	@Override
	public void sessionMessageSent(CollaborationSession session, int bytes) {
		record("sessionMessageSent", session, bytes);
	}

	@Override
	public void sessionMessageReceived(CollaborationSession session, PeerName from, int bytes) {
		record("sessionMessageReceived", session, from, bytes);
	}

	@Override
	public void peerNearMe(PeerNearMeEvent event) {
		record("peerNearMe", event);
	}

	@Override
	public void nameResolved(PeerNameResolver resolver, PeerName name, Outcome outcome, Duration latency) {
		record("nameResolved", resolver, name, outcome, latency);
	}

	@Override
	public void namePublished(PeerNamePublisher publisher, int endPoints, Outcome outcome, Duration latency) {
		record("namePublished", publisher, endPoints, outcome, latency);
	}
}
