// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.peercollab.ApplicationChange;
import io.peercollab.EndPointChange;
import io.peercollab.Invitation;
import io.peercollab.InvalidRequestException;
import io.peercollab.InvitationClosedException;
import io.peercollab.InvitationResponse;
import io.peercollab.LimitExceededException;
import io.peercollab.ObjectChange;
import io.peercollab.Peer;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.SentInvitation;
import io.peercollab.SessionMessage;
import io.peercollab.contact.ContactChange;
import io.peercollab.contact.ContactItemChange;
import io.peercollab.contact.ContactPresence;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerName;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One attached application, as the agent serves it: each route of {@link LocalWire} on the agent's collaboration.
 * What this application registers makes it the current application for those invitations.
 */
final class Attached implements RSocket {

	private final AgentServer agent;
	private final PeerCollaboration collab;
	private final long pid;
	/** The applications this attached application registered: invitations into them go to it first. */
	final Set<UUID> registered = ConcurrentHashMap.newKeySet();

	Attached(AgentServer agent, long pid) {
		this.agent = agent;
		this.collab = agent.collab;
		this.pid = pid;
	}

	@Override
	public Mono<Payload> requestResponse(Payload payload) {
		String route = LocalWire.route(payload);
		return Mono.defer(() -> respond(route, payload)).onErrorMap(LocalWire::toWire);
	}

	private Mono<Payload> respond(String route, Payload p) {
		switch (route) {
			case LocalWire.HELLO -> {
				p.release();
				return Mono.fromCallable(() -> LocalWire.reply(new LocalWire.HelloReply(agent.state(),
						agent.claimLaunch(pid, this))));
			}
			case LocalWire.STATE -> {
				p.release();
				return state();
			}
			case LocalWire.STOP -> {
				p.release();
				return agent.stopRequested().then(Mono.just(LocalWire.reply(null)));
			}
			case LocalWire.SIGN_IN -> {
				PeerScope scope = LocalWire.read(p, PeerScope.class);
				return collab.signIn(scope).then(state());
			}
			case LocalWire.SIGN_OUT -> {
				PeerScope scope = LocalWire.read(p, PeerScope.class);
				return collab.signOut(scope).then(state());
			}
			case LocalWire.SET_NICKNAME -> {
				String nickname = LocalWire.read(p, String.class);
				return collab.setNickname(nickname).then(state());
			}
			case LocalWire.SET_END_POINT_NAME -> {
				String name = LocalWire.read(p, String.class);
				return collab.setEndPointName(name).then(state());
			}
			case LocalWire.SET_ADVERTISED -> {
				LocalWire.EndPoint[] advertised = LocalWire.read(p, LocalWire.EndPoint[].class);
				List<PeerEndPoint> endPoints = new ArrayList<>(advertised.length);
				for (LocalWire.EndPoint e : advertised) {
					endPoints.add(e.endPoint());
				}
				return collab.setAdvertisedEndPoints(endPoints).then(state());
			}
			case LocalWire.SET_PRESENCE -> {
				LocalWire.Presence presence = LocalWire.read(p, LocalWire.Presence.class);
				return collab.setPresence(presence.info()).then(state());
			}
			case LocalWire.REGISTER -> {
				PeerApplication app = LocalWire.read(p, LocalWire.App.class).application();
				return collab.registerApplication(app).then(Mono.fromRunnable(() -> registered.add(app.id())))
						.then(state());
			}
			case LocalWire.UNREGISTER -> {
				UUID id = LocalWire.read(p, UUID.class);
				return collab.unregisterApplication(id).then(Mono.fromRunnable(() -> registered.remove(id)))
						.then(state());
			}
			case LocalWire.SET_OBJECT -> {
				PeerObject object = LocalWire.read(p, LocalWire.Obj.class).object();
				return collab.setObject(object).then(Mono.fromRunnable(() -> agent.ownObject(object.id(), this)))
						.then(state());
			}
			case LocalWire.DELETE_OBJECT -> {
				UUID id = LocalWire.read(p, UUID.class);
				return collab.deleteObject(id).then(Mono.fromRunnable(() -> agent.disownObject(id))).then(state());
			}
			case LocalWire.CLEAR_USER_PICTURE -> {
				p.release();
				return collab.clearUserPicture().then(Mono.fromRunnable(
						() -> agent.disownObject(PeerObject.USER_PICTURE_ID))).then(state());
			}
			case LocalWire.ACCEPT -> {
				LocalWire.Answer a = LocalWire.read(p, LocalWire.Answer.class);
				Invitation inv = invitation(a.key());
				return inv.accept(a.message(), a.extendedCode())
						.map(s -> LocalWire.reply(AgentServer.sessionMessage(agent.hold(s, this), s)));
			}
			case LocalWire.DECLINE -> {
				LocalWire.Answer a = LocalWire.read(p, LocalWire.Answer.class);
				return invitation(a.key()).decline(a.message(), a.extendedCode()).then(Mono.just(LocalWire.reply(null)));
			}
			case LocalWire.OUTCOME -> {
				String key = LocalWire.read(p, String.class);
				return invitation(key).outcome().map(LocalWire::reply);
			}
			case LocalWire.PEER_PRESENCE -> {
				LocalWire.PeerRef ref = LocalWire.read(p, LocalWire.PeerRef.class);
				return peer(ref).presence().map(pr -> LocalWire.reply(LocalWire.Presence.of(pr)));
			}
			case LocalWire.PEER_INVITE -> {
				LocalWire.SendInvite i = LocalWire.read(p, LocalWire.SendInvite.class);
				Peer peer = peer(i.peer());
				PeerApplication app = i.application().application();
				if (i.ticket() == null) {
					Mono<InvitationResponse> sent = i.expiryMillis() > 0
							? peer.invite(app, i.message(), i.data(), Duration.ofMillis(i.expiryMillis()))
							: peer.invite(app, i.message(), i.data());
					return sent.map(this::response);
				}
				return sent(i, peer, app);
			}
			case LocalWire.PEER_INVITE_CANCEL -> {
				String ticket = LocalWire.read(p, String.class);
				SentInvitation s = sending.get(ticket);
				return Mono.just(LocalWire.reply(s != null && s.cancel()));
			}
			case LocalWire.CONTACTS_UPDATE_ME -> {
				LocalWire.Me m = LocalWire.read(p, LocalWire.Me.class);
				return collab.contacts().updateMe(m.nickname(), m.displayName(), m.email()).map(Attached::contact);
			}
			case LocalWire.CONTACTS_ADD -> {
				PeerContact c = LocalWire.read(p, LocalWire.Contact.class).contact();
				return collab.contacts().add(c).map(Attached::contact);
			}
			case LocalWire.CONTACTS_CREATE -> {
				LocalWire.PeerRef ref = LocalWire.read(p, LocalWire.PeerRef.class);
				return collab.contacts().createContact(peer(ref)).map(Attached::contact);
			}
			case LocalWire.CONTACTS_UPDATE -> {
				PeerContact c = LocalWire.read(p, LocalWire.Contact.class).contact();
				return collab.contacts().update(c).map(Attached::contact);
			}
			case LocalWire.CONTACTS_DELETE -> {
				PeerName name = PeerName.parse(LocalWire.read(p, String.class));
				return collab.contacts().delete(name).then(Mono.just(LocalWire.reply(null)));
			}
			case LocalWire.CONTACTS_IMPORT -> {
				String xml = LocalWire.read(p, String.class);
				return collab.contacts().importCard(xml).map(Attached::contact);
			}
			case LocalWire.REGISTERED_HERE -> {
				p.release();
				return Mono.fromCallable(() -> LocalWire.reply(new LocalWire.Registered(List.copyOf(registered))));
			}
			case LocalWire.PEER_NEAR_ME -> {
				LocalWire.EndPoint at = LocalWire.read(p, LocalWire.EndPoint.class);
				if (at.scheme() != null) {
					return Mono.error(new InvalidRequestException("peerNearMe: the address must be a TCP one"));
				}
				return collab.peerNearMe(at.endPoint().address()).map(n -> LocalWire.reply(agent.shown(n)));
			}
			case LocalWire.SESSION_SEND -> {
				LocalWire.SessionData d = LocalWire.read(p, LocalWire.SessionData.class);
				return agent.held(d.key(), this).session.send(d.data()).then(Mono.just(LocalWire.reply(null)));
			}
			case LocalWire.SESSION_ON_CLOSE -> {
				String key = LocalWire.read(p, String.class);
				return agent.held(key, this).session.onClose().then(Mono.just(LocalWire.reply(null)));
			}
			case LocalWire.SESSION_DISPOSE -> {
				String key = LocalWire.read(p, String.class);
				AgentServer.Held h = agent.held(key, this);
				agent.sessions.remove(key, h);
				h.session.dispose();
				return Mono.just(LocalWire.reply(null));
			}
			default -> {
				p.release();
				return Mono.error(new InvalidRequestException("route " + route + " is unknown to the agent"));
			}
		}
	}

	@Override
	public Flux<Payload> requestStream(Payload payload) {
		String route = LocalWire.route(payload);
		return Flux.defer(() -> stream(route, payload)).onErrorMap(LocalWire::toWire);
	}

	private Flux<Payload> stream(String route, Payload p) {
		switch (route) {
			case LocalWire.STATE -> {
				p.release();
				return Flux.merge(collab.signInChanges(), collab.presenceChanges(), collab.applicationChanges(),
						collab.objectChanges(), collab.endPointNameChanges()).onBackpressureLatest()
						.map(x -> LocalWire.reply(agent.state()));
			}
			case LocalWire.SIGN_IN_CHANGES -> {
				p.release();
				return collab.signInChanges().map(LocalWire::reply);
			}
			case LocalWire.END_POINT_NAME_CHANGES -> {
				p.release();
				return collab.endPointNameChanges().map(LocalWire::reply);
			}
			case LocalWire.PRESENCE_CHANGES -> {
				p.release();
				return collab.presenceChanges().map((PresenceChange c) -> LocalWire.reply(
						new LocalWire.PresenceChangeMsg(c.type(), LocalWire.Presence.of(c.presence()), c.version())));
			}
			case LocalWire.APPLICATION_CHANGES -> {
				p.release();
				return collab.applicationChanges().map((ApplicationChange c) -> LocalWire.reply(
						new LocalWire.AppChange(c.type(), LocalWire.App.of(c.application()), c.version())));
			}
			case LocalWire.OBJECT_CHANGES -> {
				p.release();
				return collab.objectChanges().map((ObjectChange c) -> LocalWire.reply(
						new LocalWire.ObjChange(c.type(), LocalWire.Obj.of(c.object()), c.version())));
			}
			case LocalWire.INVITATIONS -> {
				p.release();
				return agent.subscribe(this).map(inv -> LocalWire.reply(invite(agent.keyOf(inv), inv)));
			}
			case LocalWire.PEER_APPLICATIONS -> {
				LocalWire.PeerRef ref = LocalWire.read(p, LocalWire.PeerRef.class);
				return peer(ref).applications().map(a -> LocalWire.reply(LocalWire.App.of(a)));
			}
			case LocalWire.PEER_OBJECTS -> {
				LocalWire.PeerRef ref = LocalWire.read(p, LocalWire.PeerRef.class);
				return peer(ref).objects().map(o -> LocalWire.reply(LocalWire.Obj.of(o)));
			}
			case LocalWire.SESSION_MEMBER_CHANGES -> {
				String key = LocalWire.read(p, String.class);
				return agent.held(key, this).session.memberChanges().map(c -> LocalWire.reply(new LocalWire.MemberChange(
						c.type(), c.member().toString(), c.lost().map(Throwable::getMessage).orElse(null))));
			}
			case LocalWire.PEER_PATH_CHANGES -> {
				LocalWire.PeerRef ref = LocalWire.read(p, LocalWire.PeerRef.class);
				return peer(ref).pathChanges().map(path -> LocalWire.reply(path.name()));
			}
			case LocalWire.PEER_EVENTS -> {
				LocalWire.PeerRef ref = LocalWire.read(p, LocalWire.PeerRef.class);
				return peer(ref).events().map(e -> LocalWire.reply(LocalWire.Event.of(e)));
			}
			case LocalWire.PEER_END_POINT_CHANGES -> {
				LocalWire.PeerRef ref = LocalWire.read(p, LocalWire.PeerRef.class);
				return peer(ref).endPointChanges().map((EndPointChange c) -> LocalWire.reply(
						new LocalWire.EpChange(c.type(), LocalWire.RemoteEp.of(c.endPoint()))));
			}
			case LocalWire.CONTACTS_FIND -> {
				PeerName name = PeerName.parse(LocalWire.read(p, String.class));
				return collab.contacts().find(name).map(Attached::contact).flux();
			}
			case LocalWire.CONTACTS_FIND_ALL -> {
				p.release();
				return collab.contacts().findAll().map(Attached::contact);
			}
			case LocalWire.CONTACTS_CHANGES -> {
				p.release();
				return collab.contacts().changes().map((ContactChange c) -> LocalWire.reply(
						new LocalWire.ContactChangeMsg(c.type(), LocalWire.Contact.shown(c.contact()))));
			}
			case LocalWire.CONTACTS_PRESENCES -> {
				p.release();
				return collab.contacts().presences().map((ContactPresence c) -> LocalWire.reply(
						new LocalWire.ContactPresenceMsg(c.name().toString(), LocalWire.Presence.of(c.presence()))));
			}
			case LocalWire.CONTACTS_ITEM_CHANGES -> {
				p.release();
				return collab.contacts().itemChanges().map((ContactItemChange c) -> LocalWire.reply(
						new LocalWire.ItemChange(c.contact().toString(), LocalWire.Event.of(c.change()))));
			}
			case LocalWire.PEERS_NEAR_ME -> {
				p.release();
				return collab.peersNearMe().map(e -> LocalWire.reply(new LocalWire.NearMeEventMsg(e.type(),
						agent.shown(e.peer()))));
			}
			case LocalWire.GET_PEERS_NEAR_ME -> {
				p.release();
				return collab.getPeersNearMe().flatMapIterable(l -> l).map(n -> LocalWire.reply(agent.shown(n)));
			}
			case LocalWire.DIAGNOSTICS -> {
				p.release();
				return collab.diagnostics().map(d -> LocalWire.reply(LocalWire.Diag.of(d)));
			}
			case LocalWire.SESSION_RECEIVE -> {
				String key = LocalWire.read(p, String.class);
				return agent.held(key, this).session.receive().map((SessionMessage m) -> LocalWire.reply(
						new LocalWire.Message(m.from().toString(), m.data())));
			}
			default -> {
				p.release();
				return Flux.error(new InvalidRequestException("route " + route + " is unknown to the agent"));
			}
		}
	}

	private Peer peer(LocalWire.PeerRef ref) {
		if (ref.contact() != null) {
			return collab.peer(ref.contact().contact());
		}
		if (ref.near()) {
			Peer shown = agent.nearPeer(PeerName.parse(ref.name()));
			if (shown != null) {
				return shown;
			}
		}
		LocalWire.EndPoint at = ref.endPoint();
		if (at == null || at.scheme() != null) {
			throw new InvalidRequestException("PeerRef.endPoint must be a TCP endpoint when no contact is named");
		}
		return collab.peer(PeerName.parse(ref.name()), at.endPoint());
	}

	/** @return a contact as the agent shows it to an application */
	private static Payload contact(PeerContact c) {
		return LocalWire.reply(LocalWire.Contact.shown(c));
	}

	private Mono<Payload> state() {
		return Mono.fromCallable(() -> LocalWire.reply(agent.state()));
	}

	private Invitation invitation(String key) {
		Invitation inv = agent.invitations.get(key);
		if (inv == null) {
			// the agent forgets an invitation once it has ended
			throw new InvitationClosedException("the invitation is no longer pending: it was answered, expired or"
					+ " withdrawn");
		}
		return inv;
	}

	static LocalWire.Invite invite(String key, Invitation inv) {
		return new LocalWire.Invite(key, inv.id(), inv.sender().toString(), inv.senderNickname(),
				inv.senderEndPoint().map(LocalWire.EndPoint::shown).orElse(null), inv.fromContact(),
				LocalWire.App.of(inv.application()), inv.message(), inv.data(), inv.expiresAt().toEpochMilli());
	}

	/** The most invitations one application may have on their way at once. */
	static final int MAX_SENDING = 1024;

	/** This application's invitations on their way that it may cancel, by its ticket. */
	private final Map<String, SentInvitation> sending = new ConcurrentHashMap<>();

	/**
	 * Sends an invitation the application may cancel: the agent's own {@link SentInvitation} is kept under the
	 * application's ticket, so that a cancel ({@link LocalWire#PEER_INVITE_CANCEL}) ends it here before the
	 * application reads {@code CANCELLED}; a request the application drops cancels it too.
	 */
	private Mono<Payload> sent(LocalWire.SendInvite i, Peer peer, PeerApplication app) {
		String ticket = i.ticket();
		if (ticket.isEmpty() || ticket.length() > LocalWire.MAX_TICKET_LENGTH) {
			return Mono.error(new InvalidRequestException("ticket must be 1 to " + LocalWire.MAX_TICKET_LENGTH
					+ " characters, was " + ticket.length()));
		}
		if (sending.size() >= MAX_SENDING) {
			return Mono.error(new LimitExceededException("invitations on their way from one application must be"
					+ " at most " + MAX_SENDING));
		}
		if (i.expiryMillis() <= 0) {
			return Mono.error(new InvalidRequestException("expiryMillis must be positive with a ticket, was "
					+ i.expiryMillis()));
		}
		SentInvitation s = peer.send(app, i.message(), i.data(), Duration.ofMillis(i.expiryMillis()));
		if (sending.putIfAbsent(ticket, s) != null) {
			s.cancel();
			return Mono.error(new InvalidRequestException("ticket " + ticket + " is already in use"));
		}
		return s.response().map(this::response).doOnCancel(s::cancel).doFinally(x -> sending.remove(ticket, s));
	}

	private Payload response(InvitationResponse r) {
		LocalWire.Session session = r.session().map(s -> AgentServer.sessionMessage(agent.hold(s, this), s))
				.orElse(null);
		Integer code = r.extendedCode().isPresent() ? r.extendedCode().getAsInt() : null;
		return LocalWire.reply(new LocalWire.Response(r.status(), r.message(), code, session));
	}
}
