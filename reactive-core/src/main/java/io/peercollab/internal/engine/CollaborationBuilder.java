package io.peercollab.internal.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.peercollab.Checks;
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
 * The single-use builder behind {@link PeerCollaboration#builder()}; every default is set here and nowhere else.
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
	final List<PeerNameResolver> resolvers = new ArrayList<>();
	PeerNamePublisher publisher;
	List<PeerEndPoint> advertised = List.of();
	Duration republishInterval = Duration.ofHours(1);
	// what this endpoint discloses, and to whom (the README's privacy table)
	Sharing displayNameSharing = Sharing.CONTACTS;
	Sharing emailSharing = Sharing.CONTACTS;
	Sharing presenceSharing = Sharing.CONTACTS_AND_NEAR_ME;
	boolean announceEndpointName = false;
	/** Where a wildcard-bound endpoint's addresses come from; tests replace it. */
	java.util.function.Supplier<java.util.Map<String, List<java.net.InetAddress>>> interfaces = Interfaces::up;
	private boolean built;

	@Override
	public PeerCollaboration.Builder identity(PeerIdentity value) {
		this.identity = Objects.requireNonNull(value, "identity");
		return this;
	}

	@Override
	public PeerCollaboration.Builder nickname(String value) {
		this.nickname = Checks.text(Objects.requireNonNull(value, "nickname"), "nickname",
				PeerCollaboration.MAX_NICKNAME_LENGTH);
		return this;
	}

	@Override
	public PeerCollaboration.Builder contactStore(ContactStore value) {
		this.store = Objects.requireNonNull(value, "store");
		return this;
	}

	@Override
	public PeerCollaboration.Builder discovery(Discovery value) {
		this.discovery = Objects.requireNonNull(value, "discovery");
		return this;
	}

	@Override
	public PeerCollaboration.Builder transport(PeerTransport value) {
		this.transport = Objects.requireNonNull(value, "transport");
		return this;
	}

	@Override
	public PeerCollaboration.Builder invitationPolicy(InvitationPolicy value) {
		this.policy = Objects.requireNonNull(value, "policy");
		return this;
	}

	@Override
	public PeerCollaboration.Builder invitationExpiry(Duration value) {
		Objects.requireNonNull(value, "expiry");
		if (value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException("invitationExpiry must be positive, was " + value);
		}
		this.invitationExpiry = value;
		return this;
	}

	@Override
	public PeerCollaboration.Builder invitationsPerPeerPerMinute(int limit) {
		if (limit < 1) {
			throw new IllegalArgumentException("invitationsPerPeerPerMinute must be at least 1, was " + limit);
		}
		this.invitationsPerPeerPerMinute = limit;
		return this;
	}

	@Override
	public PeerCollaboration.Builder timerScheduler(Scheduler value) {
		this.timer = Objects.requireNonNull(value, "scheduler");
		return this;
	}

	@Override
	public PeerCollaboration.Builder nameResolver(PeerNameResolver value) {
		resolvers.add(Objects.requireNonNull(value, "resolver"));
		return this;
	}

	@Override
	public PeerCollaboration.Builder namePublisher(PeerNamePublisher value) {
		this.publisher = Objects.requireNonNull(value, "publisher");
		return this;
	}

	@Override
	public PeerCollaboration.Builder advertisedEndPoints(List<PeerEndPoint> value) {
		this.advertised = List.copyOf(Objects.requireNonNull(value, "endPoints"));
		return this;
	}

	@Override
	public PeerCollaboration.Builder republishInterval(Duration value) {
		Objects.requireNonNull(value, "interval");
		if (value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException("republishInterval must be positive, was " + value);
		}
		this.republishInterval = value;
		return this;
	}

	@Override
	public PeerCollaboration.Builder shareDisplayName(Sharing value) {
		this.displayNameSharing = Objects.requireNonNull(value, "sharing");
		return this;
	}

	@Override
	public PeerCollaboration.Builder shareEmail(Sharing value) {
		this.emailSharing = Objects.requireNonNull(value, "sharing");
		return this;
	}

	@Override
	public PeerCollaboration.Builder sharePresence(Sharing value) {
		this.presenceSharing = Objects.requireNonNull(value, "sharing");
		return this;
	}

	@Override
	public PeerCollaboration.Builder announceEndpointName(boolean value) {
		this.announceEndpointName = value;
		return this;
	}

	@Override
	public PeerCollaboration build() {
		if (built) {
			throw new IllegalStateException("this builder was used already: take a new one from PeerCollaboration.builder()");
		}
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
		built = true;
		if (nickname == null) {
			nickname = Checks.text(identity.name().classifier(), "nickname", PeerCollaboration.MAX_NICKNAME_LENGTH);
		}
		if (store == null) {
			store = new InMemoryContactStore();
		}
		return new DefaultPeerCollaboration(this);
	}
}
