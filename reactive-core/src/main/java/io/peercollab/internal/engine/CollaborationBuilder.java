// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.engine;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.peercollab.Checks;
import io.peercollab.CollaborationObserver;
import io.peercollab.InvitationPolicy;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.Sharing;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.store.InMemoryContactStore;
import io.peercollab.spi.ContactStore;
import io.peercollab.spi.Discovery;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.PeerNameResolver;
import io.peercollab.spi.PeerTransport;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The immutable builder behind {@link PeerCollaboration#builder()}; every default is set here and nowhere else. A
 * setter copies this builder, changes the copy and returns it; no instance changes once a caller holds it.
 */
public final class CollaborationBuilder implements PeerCollaboration.Builder {

	PeerIdentity identity;
	String nickname;
	ContactStore store;
	Discovery discovery;
	PeerTransport transport;
	InvitationPolicy policy = InvitationPolicy.EVERYONE;
	Duration invitationExpiry = Duration.ofMinutes(5);
	int invitationsPerPeerPerMinute = 60;
	Scheduler timer = Schedulers.parallel();
	List<PeerNameResolver> resolvers = List.of();
	PeerNamePublisher publisher;
	List<PeerEndPoint> advertised = List.of();
	Duration republishInterval = Duration.ofHours(1);
	// what this endpoint discloses, and to whom (the README's privacy table)
	Sharing displayNameSharing = Sharing.CONTACTS;
	Sharing emailSharing = Sharing.CONTACTS;
	Sharing presenceSharing = Sharing.CONTACTS_AND_NEAR_ME;
	boolean announceEndpointName = false;
	CollaborationObserver observer = CollaborationObserver.NOOP;
	boolean portMapping = true;
	/** null: the stored one, else the machine's host name. */
	String endPointName;
	/** Where a wildcard-bound endpoint's addresses come from; tests replace it. */
	Supplier<Map<String, List<InetAddress>>> interfaces = Interfaces::up;

	/** A builder with every default. */
	public CollaborationBuilder() {
	}

	private CollaborationBuilder(CollaborationBuilder from) {
		identity = from.identity;
		nickname = from.nickname;
		store = from.store;
		discovery = from.discovery;
		transport = from.transport;
		policy = from.policy;
		invitationExpiry = from.invitationExpiry;
		invitationsPerPeerPerMinute = from.invitationsPerPeerPerMinute;
		timer = from.timer;
		resolvers = from.resolvers;
		publisher = from.publisher;
		advertised = from.advertised;
		republishInterval = from.republishInterval;
		displayNameSharing = from.displayNameSharing;
		emailSharing = from.emailSharing;
		presenceSharing = from.presenceSharing;
		announceEndpointName = from.announceEndpointName;
		observer = from.observer;
		portMapping = from.portMapping;
		endPointName = from.endPointName;
		interfaces = from.interfaces;
	}

	/** @return a copy of this builder with {@code change} applied to the copy */
	private CollaborationBuilder with(Consumer<CollaborationBuilder> change) {
		CollaborationBuilder copy = new CollaborationBuilder(this);
		change.accept(copy);
		return copy;
	}

	/**
	 * @return a copy that takes the addresses of a wildcard-bound endpoint from {@code value}, for tests
	 */
	public CollaborationBuilder interfaces(Supplier<Map<String, List<InetAddress>>> value) {
		Objects.requireNonNull(value, "interfaces");
		return with(c -> c.interfaces = value);
	}

	@Override
	public PeerCollaboration.Builder identity(PeerIdentity value) {
		Objects.requireNonNull(value, "identity");
		return with(c -> c.identity = value);
	}

	@Override
	public PeerCollaboration.Builder nickname(String value) {
		String text = Checks.text(Objects.requireNonNull(value, "nickname"), "nickname",
				PeerCollaboration.MAX_NICKNAME_LENGTH);
		return with(c -> c.nickname = text);
	}

	@Override
	public PeerCollaboration.Builder contactStore(ContactStore value) {
		Objects.requireNonNull(value, "store");
		return with(c -> c.store = value);
	}

	@Override
	public PeerCollaboration.Builder discovery(Discovery value) {
		Objects.requireNonNull(value, "discovery");
		return with(c -> c.discovery = value);
	}

	@Override
	public PeerCollaboration.Builder transport(PeerTransport value) {
		Objects.requireNonNull(value, "transport");
		return with(c -> c.transport = value);
	}

	@Override
	public PeerCollaboration.Builder invitationPolicy(InvitationPolicy value) {
		Objects.requireNonNull(value, "policy");
		return with(c -> c.policy = value);
	}

	@Override
	public PeerCollaboration.Builder invitationExpiry(Duration value) {
		Objects.requireNonNull(value, "expiry");
		if (value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException("invitationExpiry must be positive, was " + value);
		}
		return with(c -> c.invitationExpiry = value);
	}

	@Override
	public PeerCollaboration.Builder invitationsPerPeerPerMinute(int limit) {
		if (limit < 1) {
			throw new IllegalArgumentException("invitationsPerPeerPerMinute must be at least 1, was " + limit);
		}
		return with(c -> c.invitationsPerPeerPerMinute = limit);
	}

	@Override
	public PeerCollaboration.Builder timerScheduler(Scheduler value) {
		Objects.requireNonNull(value, "scheduler");
		return with(c -> c.timer = value);
	}

	@Override
	public PeerCollaboration.Builder nameResolver(PeerNameResolver value) {
		Objects.requireNonNull(value, "resolver");
		return with(c -> {
			List<PeerNameResolver> more = new ArrayList<>(resolvers);
			more.add(value);
			c.resolvers = List.copyOf(more);
		});
	}

	@Override
	public PeerCollaboration.Builder namePublisher(PeerNamePublisher value) {
		Objects.requireNonNull(value, "publisher");
		return with(c -> c.publisher = value);
	}

	@Override
	public PeerCollaboration.Builder advertisedEndPoints(List<PeerEndPoint> value) {
		List<PeerEndPoint> copy = List.copyOf(Objects.requireNonNull(value, "endPoints"));
		return with(c -> c.advertised = copy);
	}

	@Override
	public PeerCollaboration.Builder republishInterval(Duration value) {
		Objects.requireNonNull(value, "interval");
		if (value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException("republishInterval must be positive, was " + value);
		}
		return with(c -> c.republishInterval = value);
	}

	@Override
	public PeerCollaboration.Builder shareDisplayName(Sharing value) {
		Objects.requireNonNull(value, "sharing");
		return with(c -> c.displayNameSharing = value);
	}

	@Override
	public PeerCollaboration.Builder shareEmail(Sharing value) {
		Objects.requireNonNull(value, "sharing");
		return with(c -> c.emailSharing = value);
	}

	@Override
	public PeerCollaboration.Builder sharePresence(Sharing value) {
		Objects.requireNonNull(value, "sharing");
		return with(c -> c.presenceSharing = value);
	}

	@Override
	public PeerCollaboration.Builder announceEndpointName(boolean value) {
		return with(c -> c.announceEndpointName = value);
	}

	@Override
	public PeerCollaboration.Builder observer(CollaborationObserver value) {
		Objects.requireNonNull(value, "observer");
		return with(c -> c.observer = value);
	}

	@Override
	public PeerCollaboration.Builder portMapping(boolean value) {
		return with(c -> c.portMapping = value);
	}

	@Override
	public PeerCollaboration.Builder endPointName(String value) {
		String text = Checks.text(Objects.requireNonNull(value, "endPointName"), "endPointName",
				io.peercollab.PeerEndPoint.MAX_NAME_LENGTH);
		return with(c -> c.endPointName = text);
	}

	@Override
	public PeerCollaboration build() {
		if (identity == null) {
			throw new IllegalStateException("an identity is required: builder.identity(PeerIdentity.generate(...))");
		}
		if (transport == null) {
			throw new IllegalStateException("a transport is required: builder.transport(RSocketPeerTransport.tcp())");
		}
		if (publisher != null && republishInterval.compareTo(publisher.recordLifetime()) >= 0) {
			throw new IllegalStateException("republishInterval (" + republishInterval
					+ ") must be shorter than the publisher's record lifetime (" + publisher.recordLifetime()
					+ "), or records expire between publications");
		}
		return new DefaultPeerCollaboration(with(c -> {
			if (c.nickname == null) {
				c.nickname = Checks.text(identity.name().classifier(), "nickname",
						PeerCollaboration.MAX_NICKNAME_LENGTH);
			}
			if (c.store == null) {
				c.store = new InMemoryContactStore();
			}
		}));
	}
}
