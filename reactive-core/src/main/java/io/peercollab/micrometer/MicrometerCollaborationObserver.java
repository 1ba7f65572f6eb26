// SPDX-License-Identifier: Apache-2.0
package io.peercollab.micrometer;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.peercollab.ChangeType;
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
import reactor.util.context.ContextView;

/**
 * A {@link CollaborationObserver} that records Micrometer meters, named in the style of Reactor Netty's
 * ({@code reactor.netty.tcp.client.data.sent}): a {@code peercollab.} prefix, dotted nouns, lower-case tag values, no
 * tag whose values a remote peer chooses (no names, addresses or application descriptions), so that a stranger cannot
 * grow the registry.
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 * <tr><td>{@code peercollab.connections.opened}</td><td>counter</td><td>direction</td><td>connections opened (after TLS
 * and the setup)</td></tr>
 * <tr><td>{@code peercollab.connections.active}</td><td>gauge</td><td>direction</td><td>connections open now</td></tr>
 * <tr><td>{@code peercollab.connections.duration}</td><td>timer</td><td>direction</td><td>how long closed connections
 * were open</td></tr>
 * <tr><td>{@code peercollab.connections.refused}</td><td>counter</td><td>reason</td><td>inbound connections refused;
 * reason: the cause's type, or {@code none}</td></tr>
 * <tr><td>{@code peercollab.connections.connect.failed}</td><td>counter</td><td>error</td><td>connects that failed;
 * error: the exception's type</td></tr>
 * <tr><td>{@code peercollab.invitations.sent}</td><td>counter</td><td></td><td>invitations sent, one per endpoint
 * invited</td></tr>
 * <tr><td>{@code peercollab.invitations.response.time}</td><td>timer</td><td>outcome</td><td>from sending to the
 * answer; outcome {@code accepted}, {@code declined}, {@code expired}, {@code failed} or {@code cancelled}</td></tr>
 * <tr><td>{@code peercollab.invitations.received}</td><td>counter</td><td></td><td>invitations received</td></tr>
 * <tr><td>{@code peercollab.invitations.answer.time}</td><td>timer</td><td>outcome</td><td>from an invitation's
 * arrival to its end here; outcome {@code accepted}, {@code declined}, {@code expired} or {@code withdrawn}</td></tr>
 * <tr><td>{@code peercollab.followers.active}</td><td>gauge</td><td></td><td>remote endpoints following this one
 * now</td></tr>
 * <tr><td>{@code peercollab.followers.added}</td><td>counter</td><td></td><td>follow streams started</td></tr>
 * <tr><td>{@code peercollab.sessions.active}</td><td>gauge</td><td></td><td>sessions open now, hosted or
 * joined</td></tr>
 * <tr><td>{@code peercollab.sessions.data.sent}</td><td>distribution summary (bytes)</td><td></td><td>session
 * messages sent: count and bytes</td></tr>
 * <tr><td>{@code peercollab.sessions.data.received}</td><td>distribution summary (bytes)</td><td></td><td>session
 * messages received: count and bytes</td></tr>
 * <tr><td>{@code peercollab.peers.near.me}</td><td>gauge</td><td></td><td>peers near me shown now</td></tr>
 * <tr><td>{@code peercollab.peers.near.me.events}</td><td>counter</td><td>type</td><td>peers near me
 * {@code added}, {@code updated}, {@code removed}</td></tr>
 * <tr><td>{@code peercollab.names.resolve.time}</td><td>timer</td><td>resolver, outcome</td><td>one resolver's
 * look-up of a contact; resolver: its class's simple name; outcome {@code success}, {@code empty}, {@code failure},
 * {@code cancelled}</td></tr>
 * <tr><td>{@code peercollab.names.publish.time}</td><td>timer</td><td>publisher, outcome</td><td>one attempt to
 * publish this endpoint's record</td></tr>
 * </table>
 *
 * <p>Every meter also carries the tags given to the constructor: give each endpoint that shares a registry its own
 * (for example {@code Tags.of("endpoint", "alice")}), or their gauges would be one. Meters are registered when the
 * observer is made (counters, gauges and summaries) or at their first value (timers, by outcome).
 *
 * <pre>{@code
 * MeterRegistry registry = new SimpleMeterRegistry();
 * PeerCollaboration collab = PeerCollaboration.builder()
 *     .identity(identity)
 *     .transport(RSocketPeerTransport.tcp())
 *     .observer(new MicrometerCollaborationObserver(registry))
 *     .build();
 * }</pre>
 *
 * <p>Micrometer is an optional dependency of {@code peercollab-reactive-core}: a project that uses this class depends
 * on {@code io.micrometer:micrometer-core} itself.
 */
public final class MicrometerCollaborationObserver implements CollaborationObserver {

	private final MeterRegistry registry;
	private final Tags tags;

	private final Counter inboundOpened;
	private final Counter outboundOpened;
	private final AtomicLong inboundActive = new AtomicLong();
	private final AtomicLong outboundActive = new AtomicLong();
	private final Timer inboundDuration;
	private final Timer outboundDuration;
	private final Counter invitationsSent;
	private final Counter invitationsReceived;
	private final AtomicLong followers = new AtomicLong();
	private final Counter followersAdded;
	private final AtomicLong sessions = new AtomicLong();
	private final DistributionSummary dataSent;
	private final DistributionSummary dataReceived;
	private final AtomicLong peersNearMe = new AtomicLong();

	/**
	 * @param registry where the meters are registered
	 */
	public MicrometerCollaborationObserver(MeterRegistry registry) {
		this(registry, Tags.empty());
	}

	/**
	 * @param registry where the meters are registered
	 * @param tags added to every meter, such as the endpoint's name when several share the registry
	 */
	public MicrometerCollaborationObserver(MeterRegistry registry, Iterable<Tag> tags) {
		this.registry = Objects.requireNonNull(registry, "registry");
		this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
		inboundOpened = counter("peercollab.connections.opened", "connections opened", "direction", "inbound");
		outboundOpened = counter("peercollab.connections.opened", "connections opened", "direction", "outbound");
		gauge("peercollab.connections.active", "connections open now", inboundActive, "direction", "inbound");
		gauge("peercollab.connections.active", "connections open now", outboundActive, "direction", "outbound");
		inboundDuration = Timer.builder("peercollab.connections.duration")
				.description("how long connections were open").tags(this.tags).tag("direction", "inbound")
				.register(registry);
		outboundDuration = Timer.builder("peercollab.connections.duration")
				.description("how long connections were open").tags(this.tags).tag("direction", "outbound")
				.register(registry);
		invitationsSent = counter("peercollab.invitations.sent", "invitations sent, one per endpoint invited");
		invitationsReceived = counter("peercollab.invitations.received", "invitations received");
		gauge("peercollab.followers.active", "remote endpoints following this one", followers);
		followersAdded = counter("peercollab.followers.added", "follow streams started");
		gauge("peercollab.sessions.active", "sessions open now, hosted or joined", sessions);
		dataSent = DistributionSummary.builder("peercollab.sessions.data.sent").baseUnit("bytes")
				.description("session messages sent").tags(this.tags).register(registry);
		dataReceived = DistributionSummary.builder("peercollab.sessions.data.received").baseUnit("bytes")
				.description("session messages received").tags(this.tags).register(registry);
		gauge("peercollab.peers.near.me", "peers near me shown now", peersNearMe);
	}

	private Counter counter(String name, String description, String... tagPairs) {
		return Counter.builder(name).description(description).tags(tags).tags(tagPairs).register(registry);
	}

	private void gauge(String name, String description, AtomicLong value, String... tagPairs) {
		Gauge.builder(name, value, AtomicLong::get).description(description).tags(tags).tags(tagPairs)
				.register(registry);
	}

	private Timer timer(String name, String... tagPairs) {
		return Timer.builder(name).tags(tags).tags(tagPairs).register(registry);
	}

	private static String lower(Enum<?> value) {
		return value.name().toLowerCase(Locale.ROOT);
	}

	/** @return the simple name of an exception's type: a tag value the library's code chooses, not a peer */
	private static String type(Throwable e) {
		return e == null ? "none" : e.getClass().getSimpleName();
	}

	@Override
	public void connectionOpened(PeerName remote, PeerAddress address, Direction direction) {
		if (direction == Direction.INBOUND) {
			inboundOpened.increment();
			inboundActive.incrementAndGet();
		}
		else {
			outboundOpened.increment();
			outboundActive.incrementAndGet();
		}
	}

	@Override
	public void connectionClosed(PeerName remote, PeerAddress address, Direction direction, Duration lifetime) {
		if (direction == Direction.INBOUND) {
			inboundActive.decrementAndGet();
			inboundDuration.record(lifetime);
		}
		else {
			outboundActive.decrementAndGet();
			outboundDuration.record(lifetime);
		}
	}

	@Override
	public void connectionRefused(Diagnostic refusal) {
		registry.counter("peercollab.connections.refused", tags.and("reason", type(refusal.cause()))).increment();
	}

	@Override
	public void connectFailed(PeerName expected, PeerAddress address, Throwable error) {
		registry.counter("peercollab.connections.connect.failed", tags.and("error", type(error))).increment();
	}

	@Override
	public void invitationSent(PeerName invitee, PeerApplication application, ContextView context) {
		invitationsSent.increment();
	}

	@Override
	public void invitationAnswered(PeerName invitee, PeerApplication application, InvitationStatus status,
			Duration latency, ContextView context) {
		timer("peercollab.invitations.response.time", "outcome", lower(status)).record(latency);
	}

	@Override
	public void invitationFailed(PeerName invitee, PeerApplication application, Throwable error, Duration latency,
			ContextView context) {
		timer("peercollab.invitations.response.time", "outcome",
				error instanceof CancellationException ? "cancelled" : "failed").record(latency);
	}

	@Override
	public void invitationReceived(PeerName sender, PeerApplication application) {
		invitationsReceived.increment();
	}

	@Override
	public void invitationResponded(PeerName sender, PeerApplication application, InvitationState state,
			Duration latency) {
		timer("peercollab.invitations.answer.time", "outcome", lower(state)).record(latency);
	}

	@Override
	public void followerAdded(PeerName follower) {
		followers.incrementAndGet();
		followersAdded.increment();
	}

	@Override
	public void followerRemoved(PeerName follower) {
		followers.decrementAndGet();
	}

	@Override
	public void sessionOpened(CollaborationSession session) {
		sessions.incrementAndGet();
	}

	@Override
	public void sessionClosed(CollaborationSession session) {
		sessions.decrementAndGet();
	}

	@Override
	public void sessionMessageSent(CollaborationSession session, int bytes) {
		dataSent.record(bytes);
	}

	@Override
	public void sessionMessageReceived(CollaborationSession session, PeerName from, int bytes) {
		dataReceived.record(bytes);
	}

	@Override
	public void peerNearMe(PeerNearMeEvent event) {
		if (event.type() == ChangeType.ADDED) {
			peersNearMe.incrementAndGet();
		}
		else if (event.type() == ChangeType.REMOVED) {
			peersNearMe.decrementAndGet();
		}
		registry.counter("peercollab.peers.near.me.events", tags.and("type", lower(event.type()))).increment();
	}

	@Override
	public void nameResolved(PeerNameResolver resolver, PeerName name, Outcome outcome, Duration latency) {
		timer("peercollab.names.resolve.time", "resolver", resolver.getClass().getSimpleName(), "outcome",
				lower(outcome)).record(latency);
	}

	@Override
	public void namePublished(PeerNamePublisher publisher, int endPoints, Outcome outcome, Duration latency) {
		timer("peercollab.names.publish.time", "publisher", publisher.getClass().getSimpleName(), "outcome",
				lower(outcome)).record(latency);
	}

	@Override
	public String toString() {
		return "MicrometerCollaborationObserver" + tags;
	}
}
