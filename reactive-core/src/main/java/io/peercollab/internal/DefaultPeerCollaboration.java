package io.peercollab.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import io.peercollab.AlreadyExistsException;
import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.Diagnostic;
import io.peercollab.Invitation;
import io.peercollab.InvitationPolicy;
import io.peercollab.LimitExceededException;
import io.peercollab.NotFoundException;
import io.peercollab.NotSignedInException;
import io.peercollab.ObjectChange;
import io.peercollab.Peer;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.contact.ContactManager;
import io.peercollab.contact.ContactStore;
import io.peercollab.contact.PeerContact;
import io.peercollab.discovery.Announcement;
import io.peercollab.discovery.Discovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.PeerTransport;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import io.peercollab.spi.TransportBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.concurrent.Queues;

/**
 * The engine behind {@link PeerCollaboration}: local state and its streams, the request handler remote peers reach
 * through the transport, and the wiring of discovery, invitations, sessions and contacts.
 *
 * <p>Local state (scope, presence, applications, objects, version, followers) is guarded by {@link #lock}; every event
 * is emitted under it, which orders events and serializes emission into sinks.
 */
final class DefaultPeerCollaboration implements PeerCollaboration {

	static final Logger log = LoggerFactory.getLogger(PeerCollaboration.class);

	final PeerIdentity identity;
	final ContactStore store;
	final Discovery discovery;
	final PeerTransport transport;
	final InvitationPolicy policy;
	final Duration invitationExpiry;
	final Scheduler timer;
	/** What each audience is shown of the card and presence; see the README's privacy table. */
	final Disclosure disclosure;
	private final boolean announceEndpointName;
	final Object lock = new Object();

	private volatile String nickname;

	// guarded by lock
	private PeerScope scope = PeerScope.NONE;
	private PresenceInfo presence = PresenceInfo.OFFLINE;
	private final Map<UUID, PeerApplication> applications = new LinkedHashMap<>();
	private final Map<UUID, PeerObject> objects = new LinkedHashMap<>();
	/** Starts at the creation time in microseconds: a restarted endpoint never reuses a former run's versions. */
	private long version = java.util.concurrent.TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
	private final List<Follower> followers = new java.util.concurrent.CopyOnWriteArrayList<>();

	private final StateFanout<PeerEvent> localEvents = new StateFanout<>(1_024);
	private final StateFanout<PeerScope> scopeEvents = new StateFanout<>(16);
	private final Sinks.Many<Diagnostic> diagnostics = Sinks.many().multicast().directBestEffort();
	private final DiagnosticLog diagnosticLog;
	private final SerialQueue lifecycle = new SerialQueue();
	private final AtomicBoolean disposed = new AtomicBoolean();
	private final Mono<Void> ready;

	private volatile TransportBinding binding;

	final NearMe nearMe;
	final Invitations invitations;
	final DefaultContactManager contacts;
	final EndpointResolution resolution;
	private final InternetPublishing publishing;
	private volatile List<PeerEndPoint> advertised;
	private final java.util.function.Supplier<Map<String, List<java.net.InetAddress>>> interfaces;

	DefaultPeerCollaboration(CollaborationBuilder b) {
		this.identity = b.identity;
		this.nickname = b.nickname;
		this.store = b.store;
		this.discovery = b.discovery;
		this.transport = b.transport;
		this.policy = b.policy;
		this.invitationExpiry = b.invitationExpiry;
		this.timer = b.timer;
		this.diagnosticLog = new DiagnosticLog(timer, log::warn);
		this.disclosure = new Disclosure(b.displayNameSharing, b.emailSharing, b.presenceSharing);
		this.announceEndpointName = b.announceEndpointName;
		this.contacts = new DefaultContactManager(this, store);
		this.nearMe = new NearMe(this);
		this.invitations = new Invitations(this, b.invitationsPerPeerPerMinute);
		this.resolution = new EndpointResolution(this, b.resolvers);
		this.publishing = new InternetPublishing(this, b.publisher, b.republishInterval);
		this.advertised = b.advertised;
		this.interfaces = b.interfaces;
		this.ready = Mono.when(store.applications().doOnNext(app -> {
			synchronized (lock) {
				applications.putIfAbsent(app.id(), app);
			}
		}), contacts.load()).cache();
		// loaded now rather than at the first call, so that what the store holds shows as soon as possible
		ready.subscribe(null, e -> log.warn("loading the contact store of {} failed", identity.name(), e));
	}

	// ----- identity ------------------------------------------------------------------------------------------------

	@Override
	public PeerIdentity identity() {
		return identity;
	}

	@Override
	public String nickname() {
		return nickname;
	}

	@Override
	public Mono<Void> setNickname(String value) {
		return Mono.defer(() -> {
			String v = Checks.text(value, "nickname", MAX_NICKNAME_LENGTH);
			nickname = v;
			contacts.nicknameChanged(v);
			return nearMe.updateNickname(v);
		});
	}

	// ----- sign-in -------------------------------------------------------------------------------------------------

	@Override
	public Mono<Void> signIn(PeerScope target) {
		Objects.requireNonNull(target, "scope");
		if (target == PeerScope.NONE) {
			return Mono.error(new IllegalArgumentException("scope must be NEAR_ME, INTERNET or ALL to sign in, was NONE"));
		}
		return lifecycle.submit(Mono.defer(() -> {
			checkNotDisposed();
			PeerScope before = signInScope();
			PeerScope after = before.plus(target);
			if (after == before) {
				return Mono.<Void>empty();
			}
			if (after.includesNearMe() && !before.includesNearMe() && discovery == null) {
				return Mono.<Void>error(new IllegalStateException(
						"signing in to NEAR_ME needs a discovery: set one with builder.discovery(MdnsDiscovery...)"));
			}
			Mono<Void> steps = ready.then(bindTransport());
			if (after.includesNearMe() && !before.includesNearMe()) {
				steps = steps.then(Mono.defer(() -> discovery
						.start(new Announcement(name(), nickname, binding.address().getPort(), announceEndpointName))
						.doOnNext(nearMe::start)
						.then()));
			}
			return steps.then(Mono.fromRunnable(() -> {
				synchronized (lock) {
					scope = after;
					version++;
					if (before == PeerScope.NONE) {
						presence = PresenceInfo.ONLINE;
						localEvents.emit(new PresenceChange(ChangeType.ADDED, presence, version));
					}
					scopeEvents.emit(after);
					diffAllFollowers();
				}
				contacts.signedIn(after != PeerScope.NONE);
			})).then(Mono.defer(() -> after.includesInternet() && !before.includesInternet() ? publishing.start()
					: Mono.empty()));
		}));
	}

	private Mono<Void> bindTransport() {
		return Mono.defer(() -> binding != null ? Mono.empty()
				: transport.bind(identity, new Responder()).doOnNext(b -> {
					binding = b;
					b.diagnostics().subscribe(this::diagnose);
				}).then());
	}

	@Override
	public Mono<Void> signOut(PeerScope target) {
		Objects.requireNonNull(target, "scope");
		if (target == PeerScope.NONE) {
			return Mono.error(new IllegalArgumentException("scope must be NEAR_ME, INTERNET or ALL to sign out, was NONE"));
		}
		return lifecycle.submit(Mono.defer(() -> doSignOut(target)));
	}

	private Mono<Void> doSignOut(PeerScope target) {
		PeerScope before = signInScope();
		PeerScope after = before.minus(target);
		if (after == before) {
			return Mono.empty();
		}
		// Senders of unanswered invitations and neighbours are told first, while the transport is still up.
		if (after == PeerScope.NONE) {
			invitations.signingOut();
		}
		Mono<Void> steps = Mono.empty();
		if (before.includesInternet() && !after.includesInternet()) {
			steps = publishing.stop();
		}
		if (before.includesNearMe() && !after.includesNearMe()) {
			steps = steps.then(nearMe.stop());
		}
		return steps.then(Mono.fromRunnable(() -> {
			synchronized (lock) {
				scope = after;
				version++;
				if (after == PeerScope.NONE) {
					localEvents.emit(new PresenceChange(ChangeType.REMOVED, presence, version));
					presence = PresenceInfo.OFFLINE;
					for (PeerObject o : objects.values()) {
						localEvents.emit(new ObjectChange(ChangeType.REMOVED, o, version));
					}
					objects.clear();
				}
				scopeEvents.emit(after);
				diffAllFollowers();
			}
			contacts.signedIn(after != PeerScope.NONE);
		})).then(Mono.defer(() -> {
			if (after != PeerScope.NONE) {
				return Mono.empty();
			}
			invitations.signedOut();
			TransportBinding b = binding;
			binding = null;
			// graceful: the answers and notices sent above reach their peers before the connections close
			return b == null ? Mono.empty() : b.close();
		}));
	}

	@Override
	public PeerScope signInScope() {
		synchronized (lock) {
			return scope;
		}
	}

	@Override
	public Flux<PeerScope> signInChanges() {
		return scopeEvents.stream(lock, () -> List.of(scope)).onBackpressureLatest();
	}

	@Override
	public List<PeerEndPoint> endPoints() {
		TransportBinding b = binding;
		return b == null ? List.of() : List.of(PeerEndPoint.of(b.address()));
	}

	@Override
	public List<PeerEndPoint> advertisedEndPoints() {
		TransportBinding b = binding;
		if (b == null) {
			return List.of();
		}
		List<PeerEndPoint> set = advertised;
		if (!set.isEmpty()) {
			return set;
		}
		java.net.InetSocketAddress address = b.address();
		if (!address.getAddress().isAnyLocalAddress()) {
			return List.of(PeerEndPoint.of(address));
		}
		return Interfaces.endPoints(interfaces.get(), address.getPort());
	}

	@Override
	public Mono<Void> setAdvertisedEndPoints(List<PeerEndPoint> endPoints) {
		List<PeerEndPoint> copy = List.copyOf(Objects.requireNonNull(endPoints, "endPoints"));
		return Mono.defer(() -> {
			if (copy.equals(advertised)) {
				return Mono.empty();
			}
			advertised = copy;
			return publishing.republish();
		});
	}

	TransportBinding binding() {
		TransportBinding b = binding;
		if (b == null) {
			throw new NotSignedInException("this endpoint is signed out: sign in before reaching other peers");
		}
		return b;
	}

	// ----- presence ------------------------------------------------------------------------------------------------

	@Override
	public PresenceInfo presence() {
		synchronized (lock) {
			return presence;
		}
	}

	@Override
	public Mono<Void> setPresence(PresenceInfo value) {
		Objects.requireNonNull(value, "presence");
		if (value.status() == PresenceStatus.OFFLINE) {
			return Mono.error(new IllegalArgumentException(
					"presence cannot be set to OFFLINE while signed in: sign out instead"));
		}
		return Mono.fromRunnable(() -> {
			synchronized (lock) {
				if (scope == PeerScope.NONE) {
					throw new NotSignedInException("cannot set presence while signed out: sign in first");
				}
				if (presence.equals(value)) {
					return;
				}
				presence = value;
				version++;
				localEvents.emit(new PresenceChange(ChangeType.UPDATED, value, version));
				for (Follower f : followers) {
					diffPresence(f);
				}
			}
		});
	}

	@Override
	public Flux<PresenceChange> presenceChanges() {
		return localEvents.stream(lock, this::snapshot).ofType(PresenceChange.class).onBackpressureLatest();
	}

	// ----- applications and objects ----------------------------------------------------------------------------------

	@Override
	public Mono<Void> registerApplication(PeerApplication application) {
		Objects.requireNonNull(application, "application");
		return ready.then(Mono.defer(() -> {
			synchronized (lock) {
				PeerApplication registered = applications.get(application.id());
				if (application.equals(registered)) {
					return Mono.<Void>empty();
				}
				if (registered != null) {
					return Mono.error(new AlreadyExistsException("another application with id " + application.id()
							+ " is registered already (" + registered.description() + "): unregister it first"));
				}
				if (applications.size() >= MAX_APPLICATIONS) {
					return Mono.error(new LimitExceededException("an endpoint registers at most " + MAX_APPLICATIONS
							+ " applications (MAX_APPLICATIONS); unregister one first"));
				}
				// reserved now so that a concurrent registration of the same id fails; undone if the store fails
				applications.put(application.id(), application);
			}
			return store.saveApplication(application).doOnError(e -> {
				synchronized (lock) {
					applications.remove(application.id(), application);
				}
			}).then(Mono.fromRunnable(() -> {
				synchronized (lock) {
					version++;
					localEvents.emit(new ApplicationChange(ChangeType.ADDED, application, version));
					for (Follower f : followers) {
						diffApplication(f, application.id());
					}
				}
			}));
		}));
	}

	@Override
	public Mono<Void> unregisterApplication(UUID id) {
		Objects.requireNonNull(id, "id");
		return ready.then(Mono.defer(() -> {
			PeerApplication app;
			synchronized (lock) {
				app = applications.get(id);
			}
			if (app == null) {
				return Mono.error(new NotFoundException("application " + id + " is not registered"));
			}
			return store.deleteApplication(id).then(Mono.fromRunnable(() -> {
				synchronized (lock) {
					if (applications.remove(id) == null) {
						return;
					}
					version++;
					localEvents.emit(new ApplicationChange(ChangeType.REMOVED, app, version));
					for (Follower f : followers) {
						diffApplication(f, id);
					}
				}
			}));
		}));
	}

	@Override
	public List<PeerApplication> applications() {
		synchronized (lock) {
			return List.copyOf(applications.values());
		}
	}

	PeerApplication application(UUID id) {
		synchronized (lock) {
			return applications.get(id);
		}
	}

	@Override
	public Flux<ApplicationChange> applicationChanges() {
		return ready.thenMany(localEvents.stream(lock, this::snapshot)).ofType(ApplicationChange.class);
	}

	@Override
	public Mono<Void> setObject(PeerObject object) {
		Objects.requireNonNull(object, "object");
		return Mono.fromRunnable(() -> {
			synchronized (lock) {
				if (scope == PeerScope.NONE) {
					throw new NotSignedInException("objects are published while signed in: sign in first");
				}
				PeerObject old = objects.get(object.id());
				if (old == null && objects.size() >= MAX_OBJECTS) {
					throw new LimitExceededException(
							"an endpoint publishes at most " + MAX_OBJECTS + " objects (MAX_OBJECTS); delete one first");
				}
				if (object.equals(old)) {
					return;
				}
				objects.put(object.id(), object);
				version++;
				localEvents.emit(new ObjectChange(old == null ? ChangeType.ADDED : ChangeType.UPDATED, object, version));
				for (Follower f : followers) {
					diffObject(f, object.id());
				}
			}
		});
	}

	@Override
	public Mono<Void> deleteObject(UUID id) {
		Objects.requireNonNull(id, "id");
		return Mono.fromRunnable(() -> {
			synchronized (lock) {
				PeerObject old = objects.remove(id);
				if (old == null) {
					throw new NotFoundException("no object " + id + " is published");
				}
				version++;
				localEvents.emit(new ObjectChange(ChangeType.REMOVED, old, version));
				for (Follower f : followers) {
					diffObject(f, id);
				}
			}
		});
	}

	@Override
	public List<PeerObject> objects() {
		synchronized (lock) {
			return List.copyOf(objects.values());
		}
	}

	@Override
	public Flux<ObjectChange> objectChanges() {
		return localEvents.stream(lock, this::snapshot).ofType(ObjectChange.class);
	}

	private List<PeerEvent> snapshot() {
		List<PeerEvent> events = new ArrayList<>();
		if (scope != PeerScope.NONE) {
			events.add(new PresenceChange(ChangeType.ADDED, presence, version));
		}
		for (PeerApplication a : applications.values()) {
			events.add(new ApplicationChange(ChangeType.ADDED, a, version));
		}
		for (PeerObject o : objects.values()) {
			events.add(new ObjectChange(ChangeType.ADDED, o, version));
		}
		return events;
	}

	// ----- what callers may see --------------------------------------------------------------------------------------

	/** Called under lock. */
	private boolean visible(PeerScope itemScope, boolean allowedContact) {
		if (itemScope == PeerScope.NONE) {
			return false;
		}
		if (itemScope.includesNearMe() && scope.includesNearMe()) {
			return true;
		}
		return allowedContact && itemScope.includesInternet() && scope.includesInternet();
	}

	/**
	 * @return whether a caller ({@code allowedContact} or not) sees, and so may be invited into, an item published with
	 * {@code itemScope}
	 */
	boolean visibleTo(boolean allowedContact, PeerScope itemScope) {
		synchronized (lock) {
			return visible(itemScope, allowedContact);
		}
	}

	private PresenceInfo visiblePresence(boolean allowedContact) {
		return scope != PeerScope.NONE && disclosure.presence(Disclosure.audience(allowedContact, scope)) ? presence
				: null;
	}

	/** Caller-dependent visibility changed (its contact entry); called outside lock. */
	void visibilityChanged(PeerName caller) {
		synchronized (lock) {
			version++;
			for (Follower f : followers) {
				if (f.caller.equals(caller)) {
					diffAll(f);
				}
			}
		}
	}

	private void diffAllFollowers() {
		for (Follower f : followers) {
			diffAll(f);
		}
	}

	private void diffAll(Follower f) {
		diffPresence(f);
		java.util.Set<UUID> apps = new java.util.HashSet<>(applications.keySet());
		apps.addAll(f.apps.keySet());
		for (UUID id : apps) {
			diffApplication(f, id);
		}
		java.util.Set<UUID> objs = new java.util.HashSet<>(objects.keySet());
		objs.addAll(f.objects.keySet());
		for (UUID id : objs) {
			diffObject(f, id);
		}
	}

	private void diffPresence(Follower f) {
		PresenceInfo now = visiblePresence(contacts.isAllowed(f.caller));
		PresenceInfo sent = f.presence;
		if (Objects.equals(now, sent)) {
			return;
		}
		f.presence = now;
		f.emit(new PresenceChange(sent == null ? ChangeType.ADDED : now == null ? ChangeType.REMOVED : ChangeType.UPDATED,
				now == null ? sent : now, version));
	}

	private void diffApplication(Follower f, UUID id) {
		PeerApplication a = applications.get(id);
		PeerApplication now = a != null && visible(a.scope(), contacts.isAllowed(f.caller)) ? a.withoutLaunchDetails()
				: null;
		PeerApplication sent = f.apps.get(id);
		if (Objects.equals(now, sent)) {
			return;
		}
		if (now == null) {
			f.apps.remove(id);
			f.emit(new ApplicationChange(ChangeType.REMOVED, sent, version));
		}
		else {
			f.apps.put(id, now);
			f.emit(new ApplicationChange(sent == null ? ChangeType.ADDED : ChangeType.UPDATED, now, version));
		}
	}

	private void diffObject(Follower f, UUID id) {
		PeerObject o = objects.get(id);
		PeerObject now = o != null && visible(o.scope(), contacts.isAllowed(f.caller)) ? o : null;
		PeerObject sent = f.objects.get(id);
		if (Objects.equals(now, sent)) {
			return;
		}
		if (now == null) {
			f.objects.remove(id);
			f.emit(new ObjectChange(ChangeType.REMOVED, sent, version));
		}
		else {
			f.objects.put(id, now);
			f.emit(new ObjectChange(sent == null ? ChangeType.ADDED : ChangeType.UPDATED, now, version));
		}
	}

	/** A remote subscription to this endpoint's events, and what it was sent so far. */
	final class Follower {

		/** Events one follower may fall behind before its stream ends and it resumes from a fresh snapshot. */
		static final int BUFFER = 1_024;

		final PeerName caller;
		final Sinks.Many<PeerEvent> sink = Sinks.many().unicast().onBackpressureBuffer(Queues.<PeerEvent>get(BUFFER).get());
		PresenceInfo presence;
		final Map<UUID, PeerApplication> apps = new HashMap<>();
		final Map<UUID, PeerObject> objects = new HashMap<>();

		Follower(PeerName caller) {
			this.caller = caller;
		}

		void emit(PeerEvent e) {
			Sinks.EmitResult r = sink.tryEmitNext(e);
			if (r.isFailure()) {
				followers.remove(this);
				if (r == Sinks.EmitResult.FAIL_OVERFLOW) {
					sink.tryEmitError(reactor.core.Exceptions.failWithOverflow("follower " + caller + " fell more than "
							+ BUFFER + " events behind; it resumes from a fresh snapshot"));
				}
			}
		}
	}

	Flux<PeerEvent> follow(PeerName caller, long afterVersion) {
		return Flux.defer(() -> {
			synchronized (lock) {
				Follower f = new Follower(caller);
				boolean allowed = contacts.isAllowed(caller);
				PresenceInfo p = visiblePresence(allowed);
				f.presence = p;
				for (PeerApplication a : applications.values()) {
					if (visible(a.scope(), allowed)) {
						f.apps.put(a.id(), a.withoutLaunchDetails());
					}
				}
				for (PeerObject o : objects.values()) {
					if (visible(o.scope(), allowed)) {
						f.objects.put(o.id(), o);
					}
				}
				// A follower that saw this very version has this very state: only the marker is due.
				if (afterVersion != version) {
					if (p != null) {
						f.emit(new PresenceChange(ChangeType.ADDED, p, version));
					}
					f.apps.values().forEach(a -> f.emit(new ApplicationChange(ChangeType.ADDED, a, version)));
					f.objects.values().forEach(o -> f.emit(new ObjectChange(ChangeType.ADDED, o, version)));
				}
				f.emit(new PeerEvent.Synced(version));
				followers.add(f);
				return f.sink.asFlux().doFinally(s -> {
					synchronized (lock) {
						followers.remove(f);
					}
				});
			}
		});
	}

	// ----- peers -----------------------------------------------------------------------------------------------------

	@Override
	public Flux<PeerNearMeEvent> peersNearMe() {
		return nearMe.events();
	}

	@Override
	public Mono<List<PeerNearMe>> getPeersNearMe() {
		return nearMe.current();
	}

	@Override
	public Peer peer(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		return new RemotePeer(this, contact);
	}

	@Override
	public Peer peer(PeerName name, PeerEndPoint endPoint) {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(endPoint, "endPoint");
		return new RemotePeer(this, name, name.classifier(), List.of(endPoint));
	}

	@Override
	public Flux<Invitation> invitations() {
		return invitations.received();
	}

	@Override
	public ContactManager contacts() {
		return contacts;
	}

	@Override
	public Flux<Diagnostic> diagnostics() {
		return diagnostics.asFlux().onBackpressureBuffer(256, d -> {
		}, BufferOverflowStrategy.DROP_OLDEST);
	}

	void diagnose(Diagnostic.Kind kind, String message) {
		diagnose(new Diagnostic(Instant.now(), kind, message));
	}

	void diagnose(Diagnostic diagnostic) {
		diagnosticLog.log(name() + " [" + diagnostic.kind() + "]", diagnostic);
		// without a subscriber the diagnostic is dropped here: it was logged above
		Emissions.next(diagnostics, diagnostic);
	}

	// ----- lifecycle -------------------------------------------------------------------------------------------------

	@Override
	public Mono<Void> close() {
		return lifecycle.submit(Mono.defer(() -> {
			if (!disposed.compareAndSet(false, true)) {
				return Mono.<Void>empty();
			}
			Mono<Void> out = signInScope() == PeerScope.NONE ? Mono.empty() : doSignOut(PeerScope.ALL);
			return out.then(nearMe.awaitClosed()).then(Mono.fromRunnable(() -> {
				synchronized (lock) {
					localEvents.complete();
					scopeEvents.complete();
					for (Follower f : List.copyOf(followers)) {
						f.sink.tryEmitComplete();
					}
					followers.clear();
				}
				invitations.close();
				contacts.close();
				Emissions.complete(diagnostics);
			})).then(store.close());
		}));
	}

	@Override
	public void dispose() {
		close().subscribe(null, e -> log.warn("closing {} failed", name(), e));
	}

	@Override
	public boolean isDisposed() {
		return disposed.get();
	}

	private void checkNotDisposed() {
		if (disposed.get()) {
			throw new IllegalStateException("this PeerCollaboration is closed");
		}
	}

	/** Serves remote peers; the caller's name comes from the transport's authentication. */
	final class Responder implements PeerRequestHandler {

		@Override
		public Mono<InviteReply> invite(PeerName caller, InviteRequest request) {
			return invitations.receive(caller, request);
		}

		@Override
		public Mono<PresenceInfo> presence(PeerName caller) {
			return Mono.fromSupplier(() -> {
				synchronized (lock) {
					PresenceInfo p = visiblePresence(contacts.isAllowed(caller));
					return p == null ? PresenceInfo.OFFLINE : p;
				}
			});
		}

		@Override
		public Flux<PeerApplication> applications(PeerName caller) {
			return Flux.defer(() -> {
				synchronized (lock) {
					boolean allowed = contacts.isAllowed(caller);
					return Flux.fromIterable(applications.values().stream().filter(a -> visible(a.scope(), allowed))
							.map(PeerApplication::withoutLaunchDetails).toList());
				}
			});
		}

		@Override
		public Flux<PeerObject> objects(PeerName caller) {
			return Flux.defer(() -> {
				synchronized (lock) {
					boolean allowed = contacts.isAllowed(caller);
					return Flux.fromIterable(objects.values().stream().filter(o -> visible(o.scope(), allowed)).toList());
				}
			});
		}

		/**
		 * Serves the card the caller's audience may see ({@link Disclosure#card}): a stranger on the Internet gets a
		 * card with the name and certificate only, which the handshake showed already, rather than a refusal, so
		 * that a blocked contact cannot tell it is blocked and {@code createContact} still works for a peer reached
		 * by address.
		 */
		@Override
		public Mono<String> card(PeerName caller) {
			return Mono.fromSupplier(() -> contacts.exportCard(disclosure.card(contacts.me(),
					Disclosure.audience(contacts.isAllowed(caller), signInScope()))));
		}

		@Override
		public Flux<PeerEvent> events(PeerName caller, long afterVersion) {
			return follow(caller, afterVersion);
		}

		@Override
		public Flux<SessionFrame> session(PeerName caller, SessionOpen open, Flux<SessionFrame> inbound) {
			return invitations.serveSession(caller, open, inbound);
		}

		@Override
		public Mono<Void> signedOut(PeerName caller) {
			return Mono.fromRunnable(() -> nearMe.peerSignedOut(caller));
		}
	}
}
