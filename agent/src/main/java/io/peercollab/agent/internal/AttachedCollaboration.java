// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.CollaborationSession;
import io.peercollab.ConnectionPath;
import io.peercollab.Diagnostic;
import io.peercollab.EndPointChange;
import io.peercollab.NotFoundException;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationState;
import io.peercollab.InvitationStatus;
import io.peercollab.LaunchInfo;
import io.peercollab.ObjectChange;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.Peer;
import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceInfo;
import io.peercollab.RegisteredApplication;
import io.peercollab.SentInvitation;
import io.peercollab.SessionMemberChange;
import io.peercollab.SessionMessage;
import io.peercollab.agent.NotCarriedByAgentException;
import io.peercollab.contact.ContactChange;
import io.peercollab.contact.ContactItemChange;
import io.peercollab.contact.ContactManager;
import io.peercollab.contact.ContactPresence;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.card.ContactCardCodec;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The agent's collaboration as an attached application sees it: every call goes over the local channel; what the
 * interface reads without a publisher (scope, presence, registrations, objects, endpoints) is kept from the agent's
 * state stream. Closing it detaches this application; the agent goes on.
 */
public final class AttachedCollaboration implements PeerCollaboration {

	private final RSocket agent;
	private final AtomicReference<LocalWire.State> state;
	private final PeerName name;
	private final @Nullable LaunchInfo launch;
	private final Disposable stateFeed;

	private AttachedCollaboration(RSocket agent, LocalWire.HelloReply hello) {
		this.agent = agent;
		this.state = new AtomicReference<>(hello.state());
		this.name = PeerName.parse(hello.state().name());
		this.launch = hello.launch() == null ? null : launchInfo(hello.launch());
		this.stateFeed = agent.requestStream(LocalWire.payload(LocalWire.STATE, null))
				.map(p -> LocalWire.read(p, LocalWire.State.class)).subscribe(this::update, e -> { });
	}

	/** @return the collaboration of the agent {@code agent} is connected to, once it said hello */
	public static Mono<PeerCollaboration> attach(RSocket agent) {
		return agent.requestResponse(LocalWire.payload(LocalWire.HELLO, null))
				.map(p -> (PeerCollaboration) new AttachedCollaboration(agent, LocalWire.read(p,
						LocalWire.HelloReply.class)))
				.onErrorMap(LocalWire::fromWire);
	}

	private void update(LocalWire.State s) {
		state.accumulateAndGet(s, (old, now) -> now.seq() > old.seq() ? now : old);
	}

	private Mono<Void> call(String route, @Nullable Object body) {
		return Mono.defer(() -> agent.requestResponse(LocalWire.payload(route, body)))
				.map(p -> LocalWire.read(p, LocalWire.State.class)).doOnNext(this::update).then()
				.onErrorMap(LocalWire::fromWire);
	}

	private <T> Mono<T> ask(String route, @Nullable Object body, Class<T> type) {
		return Mono.defer(() -> agent.requestResponse(LocalWire.payload(route, body)))
				.map(p -> LocalWire.read(p, type)).onErrorMap(LocalWire::fromWire);
	}

	private Mono<Void> send(String route, @Nullable Object body) {
		return Mono.defer(() -> agent.requestResponse(LocalWire.payload(route, body))).doOnNext(Payload::release)
				.then().onErrorMap(LocalWire::fromWire);
	}

	private <T> Flux<T> stream(String route, @Nullable Object body, Class<T> type) {
		return Flux.defer(() -> agent.requestStream(LocalWire.payload(route, body))).map(p -> LocalWire.read(p, type))
				.onErrorMap(LocalWire::fromWire);
	}

	// ----- who, sign-in, presence ----------------------------------------------------------------------------------

	@Override
	public Optional<LaunchInfo> launchInfo() {
		return Optional.ofNullable(launch);
	}

	/**
	 * @throws NotCarriedByAgentException always: the identity's private key stays in the agent; {@link #name()} tells
	 * who this is
	 */
	@Override
	public PeerIdentity identity() {
		throw notCarried("identity() (the private key stays in the agent; name() is carried)");
	}

	@Override
	public PeerName name() {
		return name;
	}

	@Override
	public String nickname() {
		return state.get().nickname();
	}

	@Override
	public Mono<Void> setNickname(@Nullable String nickname) {
		return call(LocalWire.SET_NICKNAME, nickname == null ? "" : nickname);
	}

	@Override
	public String endPointName() {
		return state.get().endPointName();
	}

	@Override
	public String machineName() {
		return state.get().machineName();
	}

	@Override
	public Mono<Void> setEndPointName(String endPointName) {
		Objects.requireNonNull(endPointName, "endPointName");
		return call(LocalWire.SET_END_POINT_NAME, endPointName);
	}

	@Override
	public Flux<String> endPointNameChanges() {
		return stream(LocalWire.END_POINT_NAME_CHANGES, null, String.class);
	}

	@Override
	public Mono<Void> signIn(PeerScope scope) {
		return call(LocalWire.SIGN_IN, Objects.requireNonNull(scope, "scope"));
	}

	@Override
	public Mono<Void> signOut(PeerScope scope) {
		return call(LocalWire.SIGN_OUT, Objects.requireNonNull(scope, "scope"));
	}

	@Override
	public PeerScope signInScope() {
		return state.get().scope();
	}

	@Override
	public Flux<PeerScope> signInChanges() {
		return stream(LocalWire.SIGN_IN_CHANGES, null, PeerScope.class);
	}

	@Override
	public List<PeerEndPoint> endPoints() {
		return endPoints(state.get().endPoints());
	}

	@Override
	public List<PeerEndPoint> advertisedEndPoints() {
		return endPoints(state.get().advertised());
	}

	private static List<PeerEndPoint> endPoints(List<LocalWire.EndPoint> list) {
		List<PeerEndPoint> out = new ArrayList<>();
		list.forEach(e -> out.add(e.endPoint()));
		return List.copyOf(out);
	}

	@Override
	public Mono<Void> setAdvertisedEndPoints(List<PeerEndPoint> endPoints) {
		Objects.requireNonNull(endPoints, "endPoints");
		// the agent's endpoint is the person's: what one application sets, every attached one reads
		return Mono.defer(() -> call(LocalWire.SET_ADVERTISED,
				LocalWire.EndPoint.strict(endPoints, "endPoints").toArray(new LocalWire.EndPoint[0])));
	}

	@Override
	public PresenceInfo presence() {
		return state.get().presence().info();
	}

	@Override
	public Mono<Void> setPresence(PresenceInfo presence) {
		return call(LocalWire.SET_PRESENCE, LocalWire.Presence.of(Objects.requireNonNull(presence, "presence")));
	}

	@Override
	public Flux<PresenceChange> presenceChanges() {
		return stream(LocalWire.PRESENCE_CHANGES, null, LocalWire.PresenceChangeMsg.class)
				.map(c -> new PresenceChange(c.type(), c.presence().info(), c.version()));
	}

	// ----- applications and objects --------------------------------------------------------------------------------

	@Override
	public Mono<Void> registerApplication(PeerApplication application) {
		return call(LocalWire.REGISTER, LocalWire.App.of(Objects.requireNonNull(application, "application")));
	}

	@Override
	public Mono<Void> unregisterApplication(UUID id) {
		return call(LocalWire.UNREGISTER, Objects.requireNonNull(id, "id"));
	}

	@Override
	public List<PeerApplication> applications() {
		List<PeerApplication> out = new ArrayList<>();
		state.get().applications().forEach(a -> out.add(a.application()));
		return List.copyOf(out);
	}

	/**
	 * The application this program registered through the agent (the agent's other registrations are other
	 * programs'), else, for a program the agent launched, the application of its launch.
	 */
	@Override
	public Mono<RegisteredApplication> currentApplication() {
		return ask(LocalWire.REGISTERED_HERE, null, LocalWire.Registered.class).map(r -> {
			List<UUID> ids = r.ids() == null ? List.of() : r.ids();
			if (ids.size() == 1) {
				return application(ids.get(0));
			}
			if (ids.isEmpty() && launch != null) {
				return application(launch.application().id());
			}
			throw new NotFoundException("no current application: this program registered " + ids.size()
					+ " applications through the agent" + (ids.isEmpty() ? " and was not launched by it" : "")
					+ "; name one with application(id)");
		});
	}

	@Override
	public Flux<ApplicationChange> applicationChanges() {
		return stream(LocalWire.APPLICATION_CHANGES, null, LocalWire.AppChange.class)
				.map(c -> new ApplicationChange(c.type(), c.application().application(), c.version()));
	}

	@Override
	public Mono<Void> setObject(PeerObject object) {
		return call(LocalWire.SET_OBJECT, LocalWire.Obj.of(Objects.requireNonNull(object, "object")));
	}

	@Override
	public Mono<Void> deleteObject(UUID id) {
		return call(LocalWire.DELETE_OBJECT, Objects.requireNonNull(id, "id"));
	}

	@Override
	public Mono<Void> setUserPicture(Path image, PeerScope scope) {
		Objects.requireNonNull(image, "image");
		Objects.requireNonNull(scope, "scope");
		return Mono.fromCallable(() -> {
			long size = Files.size(image);
			if (size > PeerObject.MAX_DATA_LENGTH) {
				throw new PayloadTooLargeException(image + " must be at most " + PeerObject.MAX_DATA_LENGTH
						+ " bytes, was " + size);
			}
			return PeerObject.userPicture(Files.readAllBytes(image), scope);
		}).subscribeOn(Schedulers.boundedElastic()).flatMap(this::setObject);
	}

	@Override
	public Mono<Void> clearUserPicture() {
		return call(LocalWire.CLEAR_USER_PICTURE, null);
	}

	@Override
	public List<PeerObject> objects() {
		List<PeerObject> out = new ArrayList<>();
		state.get().objects().forEach(o -> out.add(o.object()));
		return List.copyOf(out);
	}

	@Override
	public Flux<ObjectChange> objectChanges() {
		return stream(LocalWire.OBJECT_CHANGES, null, LocalWire.ObjChange.class)
				.map(c -> new ObjectChange(c.type(), c.object().object(), c.version()));
	}

	// ----- peers ---------------------------------------------------------------------------------------------------

	/** As embedded: the agent's discovery; its buffer of 1,024 events applies to this application's demand. */
	@Override
	public Flux<PeerNearMeEvent> peersNearMe() {
		return stream(LocalWire.PEERS_NEAR_ME, null, LocalWire.NearMeEventMsg.class)
				.map(e -> new PeerNearMeEvent(e.type(), nearPeer(e.peer())));
	}

	@Override
	public Mono<List<PeerNearMe>> getPeersNearMe() {
		return stream(LocalWire.GET_PEERS_NEAR_ME, null, LocalWire.NearPeer.class).map(this::nearPeer)
				.collectList();
	}

	/**
	 * @return as embedded; fails with {@link NotCarriedByAgentException} for an address that is not TCP (the local
	 * channel carries TCP addresses only)
	 */
	@Override
	public Mono<PeerNearMe> peerNearMe(PeerAddress address) {
		Objects.requireNonNull(address, "address");
		List<LocalWire.EndPoint> carried = LocalWire.EndPoint.of(List.of(PeerEndPoint.of(address)));
		if (carried.isEmpty()) {
			return Mono.error(notCarried("peerNearMe(..) for a non-TCP address"));
		}
		return ask(LocalWire.PEER_NEAR_ME, carried.get(0), LocalWire.NearPeer.class).map(this::nearPeer);
	}

	private PeerNearMe nearPeer(LocalWire.NearPeer n) {
		PeerName name = PeerName.parse(n.name());
		List<PeerEndPoint> endPoints = LocalWire.EndPoint.endPoints(n.endPoints());
		LocalWire.EndPoint tcp = n.endPoints().stream().filter(e -> e.scheme() == null).findFirst().orElse(null);
		return new RemoteNearPeer(name, n, endPoints, new LocalWire.PeerRef(n.name(), tcp, null, true));
	}

	/** A peer near me as the agent showed it; calls on it reach the one the agent saw last under its name. */
	private final class RemoteNearPeer extends RemotePeer implements PeerNearMe {

		private final LocalWire.NearPeer shown;

		RemoteNearPeer(PeerName name, LocalWire.NearPeer shown, List<PeerEndPoint> endPoints, LocalWire.PeerRef ref) {
			super(name, shown.nickname(), endPoints, ref);
			this.shown = shown;
		}

		@Override
		public boolean isVerified() {
			return shown.verified();
		}

		@Override
		public String endPointName() {
			return shown.endPointName();
		}

		@Override
		public String machineName() {
			return shown.machineName();
		}

		@Override
		public boolean equals(@Nullable Object o) {
			return o instanceof RemoteNearPeer p && p.shown.name().equals(shown.name())
					&& p.shown.nickname().equals(shown.nickname()) && p.endPoints().equals(endPoints());
		}

		@Override
		public int hashCode() {
			return Objects.hash(shown.name(), shown.nickname(), endPoints());
		}

		@Override
		public String toString() {
			return "PeerNearMe[" + shown.name() + ", " + shown.nickname() + ", " + endPoints().size()
					+ " endpoint(s), through the agent]";
		}
	}

	/**
	 * A handle on a contact through the agent: reached wherever the agent's sources say it is, as an embedded
	 * endpoint reaches it.
	 *
	 * @throws NotCarriedByAgentException if one of the contact's endpoints is not at a TCP address
	 */
	@Override
	public Peer peer(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		return new RemotePeer(contact.name(), contact.nickname(), contact.endPoints(),
				new LocalWire.PeerRef(contact.name().toString(), null, LocalWire.Contact.of(contact), false));
	}

	/**
	 * A handle on a peer through the agent: everything but {@link Peer#path()} is carried.
	 */
	@Override
	public Peer peer(PeerName name, PeerEndPoint endPoint) {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(endPoint, "endPoint");
		List<LocalWire.EndPoint> carried = LocalWire.EndPoint.of(List.of(endPoint));
		if (carried.isEmpty()) {
			throw notCarried("peer(name, endPoint) for a non-TCP endpoint");
		}
		// as embedded: the nickname of a name at an address is its classifier
		return new RemotePeer(name, name.classifier(), List.of(endPoint),
				new LocalWire.PeerRef(name.toString(), carried.get(0), null, false));
	}

	private class RemotePeer implements Peer {

		private final PeerName name;
		private final String nickname;
		private final List<PeerEndPoint> endPoints;
		final LocalWire.PeerRef ref;

		RemotePeer(PeerName name, String nickname, List<PeerEndPoint> endPoints, LocalWire.PeerRef ref) {
			this.name = name;
			this.nickname = nickname;
			this.endPoints = List.copyOf(endPoints);
			this.ref = ref;
		}

		@Override
		public PeerName name() {
			return name;
		}

		/** @return the nickname this handle was made with: the contact's, or the classifier of a name at an address */
		@Override
		public String nickname() {
			return nickname;
		}

		@Override
		public List<PeerEndPoint> endPoints() {
			return endPoints;
		}

		@Override
		public Mono<PresenceInfo> presence() {
			return ask(LocalWire.PEER_PRESENCE, ref, LocalWire.Presence.class).map(LocalWire.Presence::info);
		}

		@Override
		public Flux<PeerApplication> applications() {
			return stream(LocalWire.PEER_APPLICATIONS, ref, LocalWire.App.class).map(LocalWire.App::application);
		}

		@Override
		public Flux<PeerObject> objects() {
			return stream(LocalWire.PEER_OBJECTS, ref, LocalWire.Obj.class).map(LocalWire.Obj::object);
		}

		/**
		 * @throws NotCarriedByAgentException always: the path is known in the agent, and reading it here would wait on
		 *         the local channel; {@link #pathChanges()} is carried
		 */
		@Override
		public ConnectionPath path() {
			throw notCarried("Peer.path() (pathChanges() is carried)");
		}

		@Override
		public Flux<ConnectionPath> pathChanges() {
			return stream(LocalWire.PEER_PATH_CHANGES, ref, String.class).map(ConnectionPath::of);
		}

		/** As embedded: the agent's watch of the peer, one request of this application's demand at a time. */
		@Override
		public Flux<EndPointChange> endPointChanges() {
			return stream(LocalWire.PEER_END_POINT_CHANGES, ref, LocalWire.EpChange.class)
					.map(c -> new EndPointChange(c.type(), c.endPoint().remote()));
		}

		/**
		 * As embedded: the agent follows the peer, and its buffers (1,024 events per subscriber, then merged per
		 * item) apply to this application's demand over the local channel.
		 */
		@Override
		public Flux<PeerEvent> events() {
			return stream(LocalWire.PEER_EVENTS, ref, LocalWire.Event.class).map(LocalWire.Event::event);
		}

		@Override
		public Mono<InvitationResponse> invite(PeerApplication application, String message, byte @Nullable [] data) {
			return invite(application, message, data, 0);
		}

		@Override
		public Mono<InvitationResponse> invite(PeerApplication application, String message, byte @Nullable [] data,
				Duration expiry) {
			Objects.requireNonNull(expiry, "expiry");
			if (expiry.isZero() || expiry.isNegative()) {
				return Mono.error(new IllegalArgumentException("expiry must be positive, was " + expiry));
			}
			return invite(application, message, data, expiry.toMillis());
		}

		private Mono<InvitationResponse> invite(PeerApplication application, String message, byte @Nullable [] data,
				long expiryMillis) {
			Objects.requireNonNull(application, "application");
			return ask(LocalWire.PEER_INVITE, new LocalWire.SendInvite(ref, LocalWire.App.of(application),
					message == null ? "" : message, data, expiryMillis, null), LocalWire.Response.class)
					.map(AttachedCollaboration.this::answer);
		}

		/**
		 * {@inheritDoc} Through the agent: a cancel reads {@code CANCELLED} only once the agent has cancelled its own
		 * invitation, so that one cancelled before delivery is never delivered.
		 */
		@Override
		public SentInvitation send(PeerApplication application, String message, byte[] data, Duration expiry) {
			Objects.requireNonNull(application, "application");
			Objects.requireNonNull(expiry, "expiry");
			if (expiry.isZero() || expiry.isNegative()) {
				return Peer.super.send(application, message, data, expiry); // fails as embedded
			}
			return new RemoteSentInvitation(this, new LocalWire.SendInvite(ref, LocalWire.App.of(application),
					message == null ? "" : message, data, expiry.toMillis(), UUID.randomUUID().toString()));
		}
	}

	private InvitationResponse answer(LocalWire.Response r) {
		return r.session() != null
				? InvitationResponse.accepted(r.message(), r.extendedCode(), session(r.session()))
				: InvitationResponse.of(r.status(), r.message(), r.extendedCode());
	}

	/**
	 * An invitation sent through the agent, which holds its own under this one's ticket. {@link #cancel()} asks the
	 * agent to cancel it there and reads {@code CANCELLED} once the agent has: a cancel that only dropped the request
	 * would cross the local channel while the agent may already be delivering the invitation. An answer that crosses
	 * the channel after this one was cancelled is dropped; a session it carries is let go.
	 */
	private final class RemoteSentInvitation implements SentInvitation {

		private final Peer invitee;
		private final String ticket;
		private final AtomicBoolean ended = new AtomicBoolean();
		/** Emitted once, by whoever ends {@link #ended} first. */
		private final Sinks.One<InvitationResponse> result = Sinks.one();

		RemoteSentInvitation(Peer invitee, LocalWire.SendInvite invite) {
			this.invitee = invitee;
			this.ticket = invite.ticket();
			ask(LocalWire.PEER_INVITE, invite, LocalWire.Response.class).subscribe(r -> {
				if (ended.compareAndSet(false, true)) {
					result.tryEmitValue(answer(r));
				}
				else if (r.session() != null) {
					AttachedCollaboration.this.send(LocalWire.SESSION_DISPOSE, r.session().key())
							.subscribe(null, e -> { });
				}
			}, e -> {
				if (ended.compareAndSet(false, true)) {
					result.tryEmitError(e);
				}
			}, () -> {
				if (ended.compareAndSet(false, true)) {
					result.tryEmitError(new PeerUnreachableException(invitee.name() + " sent no answer"));
				}
			});
		}

		@Override
		public Peer invitee() {
			return invitee;
		}

		@Override
		public Mono<InvitationResponse> response() {
			return result.asMono();
		}

		@Override
		public boolean cancel() {
			if (!ended.compareAndSet(false, true)) {
				return false;
			}
			ask(LocalWire.PEER_INVITE_CANCEL, ticket, Boolean.class).onErrorReturn(Boolean.FALSE)
					.subscribe(null, null,
							() -> result.tryEmitValue(InvitationResponse.of(InvitationStatus.CANCELLED, "")));
			return true;
		}

		@Override
		public String toString() {
			return "SentInvitation[" + invitee.name() + (ended.get() ? ", ended" : ", pending") + "]";
		}
	}

	/** The agent's contacts: its one contact store, shared by every attached application. */
	@Override
	public ContactManager contacts() {
		return contacts;
	}

	private final ContactManager contacts = new RemoteContacts();

	private final class RemoteContacts implements ContactManager {

		private Mono<PeerContact> contact(String route, Object body) {
			return ask(route, body, LocalWire.Contact.class).map(LocalWire.Contact::contact);
		}

		/** @return the local contact as the agent's state last told it */
		@Override
		public PeerContact me() {
			return state.get().me().contact();
		}

		@Override
		public Mono<PeerContact> updateMe(String nickname, String displayName, String email) {
			return contact(LocalWire.CONTACTS_UPDATE_ME, new LocalWire.Me(nickname, displayName, email))
					// then the state, so that me() and nickname() read the new values at once
					.flatMap(c -> call(LocalWire.STATE, null).thenReturn(c));
		}

		@Override
		public Mono<PeerContact> add(PeerContact contact) {
			Objects.requireNonNull(contact, "contact");
			return Mono.fromCallable(() -> LocalWire.Contact.of(contact)).flatMap(c -> contact(LocalWire.CONTACTS_ADD,
					c));
		}

		/** @return as embedded; fails with {@link IllegalArgumentException} for a peer not made by this collaboration */
		@Override
		public Mono<PeerContact> createContact(Peer peer) {
			Objects.requireNonNull(peer, "peer");
			if (!(peer instanceof RemotePeer remote)) {
				return Mono.error(new IllegalArgumentException(
						"peer must come from this collaboration (peersNearMe() or peer(...))"));
			}
			return contact(LocalWire.CONTACTS_CREATE, remote.ref);
		}

		@Override
		public Mono<PeerContact> find(PeerName name) {
			Objects.requireNonNull(name, "name");
			return stream(LocalWire.CONTACTS_FIND, name.toString(), LocalWire.Contact.class)
					.map(LocalWire.Contact::contact).next();
		}

		@Override
		public Flux<PeerContact> findAll() {
			return stream(LocalWire.CONTACTS_FIND_ALL, null, LocalWire.Contact.class).map(LocalWire.Contact::contact);
		}

		@Override
		public Mono<PeerContact> update(PeerContact contact) {
			Objects.requireNonNull(contact, "contact");
			return Mono.fromCallable(() -> LocalWire.Contact.of(contact))
					.flatMap(c -> contact(LocalWire.CONTACTS_UPDATE, c));
		}

		@Override
		public Mono<Void> delete(PeerName name) {
			Objects.requireNonNull(name, "name");
			return send(LocalWire.CONTACTS_DELETE, name.toString());
		}

		/** As embedded: the agent's buffer of {@value #CHANGES_BUFFER} changes applies to this application's demand. */
		@Override
		public Flux<ContactChange> changes() {
			return stream(LocalWire.CONTACTS_CHANGES, null, LocalWire.ContactChangeMsg.class)
					.map(c -> new ContactChange(c.type(), c.contact().contact()));
		}

		@Override
		public Flux<ContactPresence> presences() {
			return stream(LocalWire.CONTACTS_PRESENCES, null, LocalWire.ContactPresenceMsg.class)
					.map(c -> new ContactPresence(PeerName.parse(c.name()), c.presence().info()));
		}

		@Override
		public Flux<ContactItemChange> itemChanges() {
			return stream(LocalWire.CONTACTS_ITEM_CHANGES, null, LocalWire.ItemChange.class)
					.map(c -> new ContactItemChange(PeerName.parse(c.contact()), c.change().event()));
		}

		/** @return the local contact's card, made here from {@link #me()} as the agent would make it */
		@Override
		public String exportCard() {
			return exportCard(me());
		}

		@Override
		public String exportCard(PeerContact contact) {
			return ContactCardCodec.toXml(Objects.requireNonNull(contact, "contact"));
		}

		@Override
		public PeerContact parseCard(String xml) {
			// the codec refuses a null card too, with the same typed error as any other bad card
			return ContactCardCodec.fromXml(xml);
		}

		@Override
		public Mono<PeerContact> importCard(String xml) {
			// read here first, so that a bad card fails as embedded without a round trip
			return Mono.fromSupplier(() -> parseCard(xml)).flatMap(c -> contact(LocalWire.CONTACTS_IMPORT, xml));
		}
	}

	/** As embedded: what the agent noticed and refused; the oldest dropped for a slow subscriber, in the agent. */
	@Override
	public Flux<Diagnostic> diagnostics() {
		return stream(LocalWire.DIAGNOSTICS, null, LocalWire.Diag.class).map(LocalWire.Diag::diagnostic);
	}

	private static NotCarriedByAgentException notCarried(String method) {
		return new NotCarriedByAgentException(method + " is not carried through the agent's local channel yet;"
				+ " use an embedded PeerCollaboration for it");
	}

	// ----- invitations and sessions --------------------------------------------------------------------------------

	@Override
	public Flux<Invitation> invitations() {
		return stream(LocalWire.INVITATIONS, null, LocalWire.Invite.class).map(RemoteInvitation::new);
	}

	private final class RemoteInvitation implements Invitation {

		private final LocalWire.Invite m;
		private final PeerApplication application;
		private final Mono<InvitationState> outcome;
		private final AtomicReference<InvitationState> state = new AtomicReference<>(InvitationState.PENDING);

		RemoteInvitation(LocalWire.Invite m) {
			this.m = m;
			this.application = m.application().application();
			this.outcome = ask(LocalWire.OUTCOME, m.key(), InvitationState.class)
					.doOnNext(state::set).cache();
			outcome.subscribe(null, e -> { });
		}

		@Override
		public UUID id() {
			return m.id();
		}

		@Override
		public PeerName sender() {
			return PeerName.parse(m.sender());
		}

		@Override
		public String senderNickname() {
			return m.senderNickname();
		}

		@Override
		public Optional<PeerEndPoint> senderEndPoint() {
			return m.fromEndPoint();
		}

		@Override
		public boolean fromContact() {
			return m.fromContact();
		}

		@Override
		public PeerApplication application() {
			return application;
		}

		@Override
		public String message() {
			return m.message();
		}

		@Override
		public byte[] data() {
			return m.data().clone();
		}

		@Override
		public Instant expiresAt() {
			return Instant.ofEpochMilli(m.expiresAtMillis());
		}

		@Override
		public InvitationState state() {
			return state.get();
		}

		@Override
		public Mono<CollaborationSession> accept(String message, @Nullable Integer extendedCode) {
			return Mono.defer(() -> {
				answering(message, InvitationState.ACCEPTED);
				return accepting(message, extendedCode);
			});
		}

		/**
		 * Reads {@code answer} from now, as an embedded invitation does once its answer is on its way: the inviter can
		 * have the answer before the agent's reply crosses the local channel. A message the agent will refuse changes
		 * nothing; an invitation that had ended reads its outcome once the agent tells it.
		 */
		private void answering(@Nullable String message, InvitationState answer) {
			if (message == null || message.length() <= Invitation.MAX_MESSAGE_LENGTH) {
				state.compareAndSet(InvitationState.PENDING, answer);
			}
		}

		private Mono<CollaborationSession> accepting(String message, @Nullable Integer extendedCode) {
			return ask(LocalWire.ACCEPT, new LocalWire.Answer(m.key(), message == null ? "" : message, extendedCode),
					LocalWire.Session.class).map(s -> (CollaborationSession) session(s));
		}

		@Override
		public Mono<Void> decline(String message, @Nullable Integer extendedCode) {
			return Mono.defer(() -> {
				answering(message, InvitationState.DECLINED);
				return send(LocalWire.DECLINE, new LocalWire.Answer(m.key(), message == null ? "" : message,
						extendedCode));
			});
		}

		@Override
		public Mono<InvitationState> outcome() {
			return outcome;
		}
	}

	/** The sessions handed to this application, by the agent's key: one object per session, as embedded. */
	private final Map<String, RemoteSession> sessions = new ConcurrentHashMap<>();

	private RemoteSession session(LocalWire.Session m) {
		return sessions.computeIfAbsent(m.key(), k -> new RemoteSession(m));
	}

	private final class RemoteSession implements CollaborationSession {

		private final LocalWire.Session m;
		private final PeerApplication application;
		private final Mono<Void> closed;
		/** The members as the agent last told them: those handed over, then followed over the member changes. */
		private final Set<PeerName> members = ConcurrentHashMap.newKeySet();
		private final Disposable following;
		private volatile boolean disposed;

		RemoteSession(LocalWire.Session m) {
			this.m = m;
			this.application = m.application().application();
			m.members().forEach(n -> members.add(PeerName.parse(n)));
			this.closed = AttachedCollaboration.this.send(LocalWire.SESSION_ON_CLOSE, m.key())
					.doFinally(s -> sessions.remove(m.key(), this)).cache();
			closed.subscribe(null, e -> { });
			// the stream starts with the members now (ADDED), then each change, and ends with the session
			this.following = memberChanges().subscribe(c -> {
				if (c.type() == ChangeType.REMOVED) {
					members.remove(c.member());
				}
				else {
					members.add(c.member());
				}
			}, e -> members.clear(), members::clear);
		}

		@Override
		public UUID id() {
			return m.id();
		}

		@Override
		public PeerApplication application() {
			return application;
		}

		@Override
		public PeerName host() {
			return PeerName.parse(m.host());
		}

		@Override
		public boolean isHost() {
			return m.isHost();
		}

		/**
		 * @return the members as the agent last told them over the local channel (a change reaches this application a
		 * moment after the agent saw it)
		 */
		@Override
		public Set<PeerName> members() {
			return Set.copyOf(members);
		}

		@Override
		public Flux<SessionMemberChange> memberChanges() {
			return stream(LocalWire.SESSION_MEMBER_CHANGES, m.key(), LocalWire.MemberChange.class)
					.map(c -> new SessionMemberChange(c.type(), PeerName.parse(c.member()),
							Optional.ofNullable(c.lost()).map(PeerUnreachableException::new)));
		}

		@Override
		public Flux<SessionMessage> receive() {
			return stream(LocalWire.SESSION_RECEIVE, m.key(), LocalWire.Message.class)
					.map(x -> new SessionMessage(PeerName.parse(x.from()), x.data()));
		}

		@Override
		public Mono<Void> send(byte[] data) {
			Objects.requireNonNull(data, "data");
			if (data.length > SessionMessage.MAX_DATA_LENGTH) {
				return Mono.error(new PayloadTooLargeException("data must be at most " + SessionMessage.MAX_DATA_LENGTH
						+ " bytes, was " + data.length));
			}
			return AttachedCollaboration.this.send(LocalWire.SESSION_SEND, new LocalWire.SessionData(m.key(), data));
		}

		@Override
		public Mono<Void> send(Publisher<byte[]> data) {
			return Flux.from(data).concatMap(this::send).then();
		}

		@Override
		public Mono<Void> onClose() {
			return closed;
		}

		@Override
		public void dispose() {
			if (!disposed) {
				disposed = true;
				following.dispose();
				AttachedCollaboration.this.send(LocalWire.SESSION_DISPOSE, m.key()).subscribe(null, e -> { });
			}
		}

		@Override
		public boolean isDisposed() {
			return disposed;
		}
	}

	private LaunchInfo launchInfo(LocalWire.Launch l) {
		LocalWire.Invite inv = l.invitation();
		CollaborationSession session = session(l.session());
		PeerApplication app = inv.application().application();
		return new LaunchInfo() {
			@Override
			public UUID invitationId() {
				return inv.id();
			}

			@Override
			public PeerName inviter() {
				return PeerName.parse(inv.sender());
			}

			@Override
			public String inviterNickname() {
				return inv.senderNickname();
			}

			@Override
			public Optional<PeerEndPoint> inviterEndPoint() {
				return inv.fromEndPoint();
			}

			@Override
			public PeerApplication application() {
				return app;
			}

			@Override
			public String message() {
				return inv.message();
			}

			@Override
			public byte[] data() {
				return inv.data().clone();
			}

			@Override
			public Mono<CollaborationSession> session() {
				return Mono.just(session);
			}
		};
	}

	// ----- lifecycle -----------------------------------------------------------------------------------------------

	/** Asks the agent to stop (every attached application is detached). */
	public Mono<Void> stopAgent() {
		return send(LocalWire.STOP, null);
	}

	/** Detaches this application: what it published goes, the agent goes on. */
	@Override
	public Mono<Void> close() {
		return Mono.defer(() -> {
			stateFeed.dispose();
			agent.dispose();
			return agent.onClose().onErrorResume(e -> Mono.empty());
		});
	}

	@Override
	public void dispose() {
		close().subscribe(null, e -> { });
	}

	@Override
	public boolean isDisposed() {
		return agent.isDisposed();
	}
}
