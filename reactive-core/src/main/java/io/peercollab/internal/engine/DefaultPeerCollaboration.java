// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.engine;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.Checks;
import io.peercollab.CollaborationObserver;
import io.peercollab.Diagnostic;
import io.peercollab.Invitation;
import io.peercollab.InvitationPolicy;
import io.peercollab.NotFoundException;
import io.peercollab.NotSignedInException;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.ObjectChange;
import io.peercollab.Peer;
import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.TcpAddress;
import io.peercollab.contact.ContactManager;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.contact.DefaultContactManager;
import io.peercollab.internal.flow.SerialQueue;
import io.peercollab.internal.flow.SerialSink;
import io.peercollab.internal.invite.Invitations;
import io.peercollab.internal.nearme.NearMe;
import io.peercollab.internal.observe.GuardedObserver;
import io.peercollab.internal.peer.RemotePeer;
import io.peercollab.internal.resolution.EndpointResolution;
import io.peercollab.internal.nat.mapping.PortMapper;
import io.peercollab.internal.resolution.InternetPublishing;
import io.peercollab.internal.resolution.PortMappedEndPoint;
import io.peercollab.internal.responder.Responder;
import io.peercollab.internal.state.Disclosure;
import io.peercollab.internal.state.Followers;
import io.peercollab.internal.state.PublishedState;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.ContactStore;
import io.peercollab.spi.Discovery;
import io.peercollab.spi.PeerNameResolver;
import io.peercollab.spi.PeerTransport;
import io.peercollab.spi.TransportBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The engine behind {@link PeerCollaboration}: its life cycle (sign-in, sign-out, close), and the wiring of the rooms
 * that do the work, each given what it needs: the {@link PublishedState} and its local streams, the {@link Followers},
 * the {@link Responder} remote peers reach through the transport, invitations and sessions, peers near me, contacts,
 * resolution and publishing.
 */
public final class DefaultPeerCollaboration implements PeerCollaboration {

	static final Logger log = LoggerFactory.getLogger(PeerCollaboration.class);

	final PeerIdentity identity;
	final ContactStore store;
	final Discovery discovery;
	final PeerTransport transport;
	final InvitationPolicy policy;
	final Duration invitationExpiry;
	final Scheduler timer;
	/** The user's observer, guarded: calling it never throws. */
	final CollaborationObserver observer;
	/** What each audience is shown of the card and presence; see the README's privacy table. */
	final Disclosure disclosure;
	private final boolean announceEndpointName;
	private final PublishedState state = new PublishedState();
	private final Followers followers;

	/** The setting under which the endpoint name is stored. */
	static final String ENDPOINT_NAME_SETTING = "endpoint-name";

	/**
	 * The setting under which this endpoint's device id is stored: generated once, the same across restarts, handed
	 * to the name publisher so that a restarted device replaces its own DHT entries.
	 */
	static final String DEVICE_ID_SETTING = "device-id";

	/** This endpoint's device id once the store is loaded; {@code null} before. */
	private volatile String deviceId;

	private final String machineName = MachineName.get();
	private volatile String endPointName;
	private final SerialSink<String> endPointNames = new SerialSink<>(Sinks.many().replay().latest());

	private final SerialSink<Diagnostic> diagnostics = new SerialSink<>(Sinks.many().multicast().directBestEffort());
	/** The subscriptions to every configured resolver's {@link PeerNameResolver#diagnostics()}. */
	private final Disposable.Composite resolverDiagnostics = Disposables.composite();
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
	private final PortMappedEndPoint portMapped;
	final RemotePeer.Reach reach;
	private volatile List<PeerEndPoint> advertised;
	private final Supplier<Map<String, List<InetAddress>>> interfaces;

	public DefaultPeerCollaboration(CollaborationBuilder b) {
		this.identity = b.identity;
		this.endPointName = b.endPointName != null ? b.endPointName : machineName;
		endPointNames.next(endPointName);
		this.store = b.store;
		this.discovery = b.discovery;
		this.transport = b.transport;
		this.policy = b.policy;
		this.invitationExpiry = b.invitationExpiry;
		this.timer = b.timer;
		this.observer = GuardedObserver.guard(b.observer);
		this.diagnosticLog = new DiagnosticLog(timer, log::warn);
		this.disclosure = new Disclosure(b.displayNameSharing, b.emailSharing, b.presenceSharing);
		this.announceEndpointName = b.announceEndpointName;
		this.contacts = new DefaultContactManager(store,
				PeerContact.of(identity.name(), b.nickname, identity.certificate()), this::peer,
				this::visibilityChanged, timer, this::diagnose);
		this.nearMe = new NearMe(identity.name(), b.discovery, timer, this::binding,
				this::nearPeer, this::diagnose, observer);
		this.invitations = new Invitations(timer, policy, b.invitationsPerPeerPerMinute, identity.name(), this::nickname,
				contacts::isAllowed, this::registeredApplication, this::visibleTo, this::signInScope, this::diagnose,
				observer);
		this.resolution = new EndpointResolution(b.resolvers, name -> nearMe.endPoints(name), this::diagnose,
				observer);
		this.reach = new RemotePeer.Reach(this::binding, resolution, invitations, invitationExpiry, timer,
				nearMe::announcedEndPointName, this::diagnose);
		// a followed contact's endpoint that proves its name near me is followed at once, not at the next rescan
		nearMe.whenShown(e -> {
			if (e.type() != ChangeType.REMOVED) {
				reach.endPointsLearnt(e.peer().name(), e.peer().endPoints());
			}
		});
		this.publishing = new InternetPublishing(identity, this::publishedEndPoints, () -> deviceId, timer,
				this::diagnose,
				b.publisher, b.republishInterval, observer);
		this.advertised = b.advertised;
		this.portMapped = new PortMappedEndPoint(b.portMapping, PortMapper.Settings.defaults(),
				() -> publishing.republish().subscribe());
		this.interfaces = b.interfaces;
		this.followers = new Followers(state, contacts::isAllowed, disclosure, observer);
		this.contacts.announceNicknameWith(v -> nearMe.updateNickname(announced(v)));
		this.ready = Mono.when(store.applications().doOnNext(state::loaded),
				contacts.load().then(Mono.fromRunnable(this::restoreEndPointName)).then(Mono.defer(this::loadDeviceId)))
				.cache();
		// what the resolvers refused (a forged or stale record), passed on until this endpoint is closed
		for (PeerNameResolver r : b.resolvers) {
			resolverDiagnostics.add(Flux.defer(r::diagnostics).subscribe(this::diagnose,
					e -> log.warn("the diagnostics of resolver {} failed", r, e)));
		}
		// loaded now rather than at the first call, so that what the store holds shows as soon as possible
		ready.subscribe(null, e -> log.warn("loading the contact store of {} failed", identity.name(), e));
	}

	// ----- identity ------------------------------------------------------------------------------------------------

	@Override
	public PeerIdentity identity() {
		return identity;
	}

	/**
	 * The nickname is the Me contact's ({@code contacts().updateMe(..)} and {@link #setNickname} both change it and
	 * store it), announced cut to {@value #MAX_NICKNAME_LENGTH} characters.
	 */
	@Override
	public String nickname() {
		return announced(contacts.me().nickname());
	}

	/** @return {@code nickname} as announced: at most {@value #MAX_NICKNAME_LENGTH} characters, cut at a character */
	static String announced(String nickname) {
		if (nickname.length() <= MAX_NICKNAME_LENGTH) {
			return nickname;
		}
		int end = MAX_NICKNAME_LENGTH;
		if (Character.isHighSurrogate(nickname.charAt(end - 1))) {
			end--;
		}
		return nickname.substring(0, end);
	}

	@Override
	public Mono<Void> setNickname(String value) {
		return Mono.defer(() -> {
			String v = Checks.text(value, "nickname", MAX_NICKNAME_LENGTH);
			return contacts.nicknameChanged(v).then(nearMe.updateNickname(v));
		});
	}

	@Override
	public String endPointName() {
		return endPointName;
	}

	@Override
	public String machineName() {
		return machineName;
	}

	@Override
	public Mono<Void> setEndPointName(String value) {
		return Mono.defer(() -> {
			String v = Checks.text(Objects.requireNonNull(value, "endPointName"), "endPointName",
					PeerEndPoint.MAX_NAME_LENGTH);
			return ready.then(contacts.saveSetting(ENDPOINT_NAME_SETTING, v))
					.then(Mono.fromRunnable(() -> endPointNameChanged(v)))
					.then(announceEndpointName ? nearMe.updateEndPointName(v) : Mono.empty());
		});
	}

	@Override
	public Flux<String> endPointNameChanges() {
		return endPointNames.asFlux();
	}

	/** A stored endpoint name wins over the builder's and the host name: it was set by {@link #setEndPointName}. */
	private void restoreEndPointName() {
		String stored = contacts.setting(ENDPOINT_NAME_SETTING);
		if (stored != null) {
			endPointNameChanged(stored);
		}
	}

	/**
	 * The device id kept in the store, or a new one (8 random characters of {@code [a-z0-9]}) stored for the next
	 * start; one that cannot be stored is used for this run and reported.
	 */
	private Mono<Void> loadDeviceId() {
		String stored = contacts.setting(DEVICE_ID_SETTING);
		if (stored != null && DEVICE_ID.matcher(stored).matches()) {
			deviceId = stored;
			return Mono.empty();
		}
		StringBuilder fresh = new StringBuilder(8);
		java.security.SecureRandom random = new java.security.SecureRandom();
		for (int i = 0; i < 8; i++) {
			fresh.append(DEVICE_ID_ALPHABET.charAt(random.nextInt(DEVICE_ID_ALPHABET.length())));
		}
		deviceId = fresh.toString();
		return contacts.saveSetting(DEVICE_ID_SETTING, deviceId).onErrorResume(e -> {
			diagnose(Diagnostic.Kind.PUBLISH_FAILED, "could not store this endpoint's device id (" + e.getMessage()
					+ "): after a restart its Internet record's old entries stay until they expire");
			return Mono.empty();
		});
	}

	private static final String DEVICE_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
	private static final java.util.regex.Pattern DEVICE_ID = java.util.regex.Pattern.compile("[a-z0-9]{1,10}");

	private void endPointNameChanged(String v) {
		synchronized (endPointNames) {
			if (v.equals(endPointName)) {
				return;
			}
			endPointName = v;
			// queued in the order of the changes, emitted after the lock is released
			endPointNames.submitNext(v);
		}
		endPointNames.drain();
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
				steps = steps.then(Mono.defer(() -> {
					if (!(binding.address() instanceof TcpAddress tcp)) {
						return Mono.error(new IllegalStateException("signing in to NEAR_ME needs a transport listening "
								+ "on TCP (mDNS announces a port); this one listens at a " + binding.address().scheme()
								+ " address: " + binding.address()));
					}
					// the endpoint and machine names are announced only when the label carries the classifier too:
					// by default nothing on the LAN names the machine (README, privacy table)
					return nearMe.start(new Announcement(name(), nickname(), tcp.port(), announceEndpointName,
							announceEndpointName ? endPointName : "", announceEndpointName ? machineName : ""));
				}));
			}
			return steps.then(Mono.fromRunnable(() -> {
				state.scopeChanged(after);
				contacts.signedIn(after != PeerScope.NONE);
			})).then(Mono.defer(() -> {
				if (!after.includesInternet() || before.includesInternet()) {
					return Mono.empty();
				}
				portMapped.start(binding.address());
				return publishing.start();
			}));
		}));
	}

	private Mono<Void> bindTransport() {
		return Mono.defer(() -> binding != null ? Mono.empty()
				: transport.bind(identity, responder(), observer).doOnNext(b -> {
					binding = b;
					b.diagnostics().subscribe(d -> {
						if (Diagnostic.Kind.REJECTED_CONNECTION.equals(d.kind())) {
							observer.connectionRefused(d);
						}
						diagnose(d);
					});
					// a relay allocated late, or again after a loss, is published at once
					b.relayedAddressChanges().skip(1).subscribe(relayed -> publishing.republish().subscribe(),
							e -> log.warn("the relayed addresses of {} failed", identity.name(), e));
					// so is a reflexive address learnt late, changed or gone
					b.reflexiveAddressChanges().skip(1).subscribe(reflexive -> publishing.republish().subscribe(),
							e -> log.warn("the reflexive addresses of {} failed", identity.name(), e));
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
			steps = portMapped.stop().then(publishing.stop());
		}
		if (before.includesNearMe() && !after.includesNearMe()) {
			steps = steps.then(nearMe.stop());
		}
		return steps.then(Mono.fromRunnable(() -> {
			state.scopeChanged(after);
			contacts.signedIn(after != PeerScope.NONE);
		})).then(Mono.defer(() -> {
			if (after != PeerScope.NONE) {
				return Mono.empty();
			}
			invitations.signedOut();
			TransportBinding b = binding;
			binding = null;
			reach.signedOut();
			// graceful: the answers and notices sent above reach their peers before the connections close
			return b == null ? Mono.empty() : b.close();
		}));
	}

	@Override
	public PeerScope signInScope() {
		return state.current().scope();
	}

	@Override
	public Flux<PeerScope> signInChanges() {
		return state.signInChanges();
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
		List<PeerEndPoint> direct = !(b.address() instanceof TcpAddress tcp) || tcp.address() == null
				|| !tcp.address().isAnyLocalAddress() ? List.of(PeerEndPoint.of(b.address()))
				: Interfaces.endPoints(interfaces.get(), tcp.port());
		Optional<PeerEndPoint> mapped = portMapped.endPoint().filter(m -> !direct.contains(m));
		List<PeerAddress> reflexive = b.reflexiveAddresses();
		if (mapped.isEmpty() && reflexive.isEmpty()) {
			return direct;
		}
		List<PeerEndPoint> withMapped = new ArrayList<>(direct);
		mapped.ifPresent(withMapped::add);
		// the NAT's public address of the listening port, where it lets anyone in: after the gateway's mapping
		reflexive.stream().map(PeerEndPoint::of).filter(r -> !withMapped.contains(r)).forEach(withMapped::add);
		return List.copyOf(withMapped);
	}

	/** @return what the DHT record carries: the advertised endpoints, then the transport's relayed addresses */
	private List<PeerEndPoint> publishedEndPoints() {
		TransportBinding b = binding;
		List<PeerEndPoint> advertisedNow = advertisedEndPoints();
		if (b == null || b.relayedAddresses().isEmpty()) {
			return advertisedNow;
		}
		List<PeerEndPoint> all = new ArrayList<>(advertisedNow);
		b.relayedAddresses().forEach(a -> all.add(PeerEndPoint.of(a)));
		return List.copyOf(all);
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
		return state.current().presence();
	}

	@Override
	public Mono<Void> setPresence(PresenceInfo value) {
		Objects.requireNonNull(value, "presence");
		if (value.status() == PresenceStatus.OFFLINE) {
			return Mono.error(new IllegalArgumentException(
					"presence cannot be set to OFFLINE while signed in: sign out instead"));
		}
		return Mono.fromRunnable(() -> state.setPresence(value));
	}

	@Override
	public Flux<PresenceChange> presenceChanges() {
		return state.presenceChanges();
	}

	// ----- applications and objects ----------------------------------------------------------------------------------

	@Override
	public Mono<Void> registerApplication(PeerApplication application) {
		Objects.requireNonNull(application, "application");
		return ready.then(Mono.defer(() -> {
			if (!state.reserve(application)) {
				return Mono.<Void>empty();
			}
			return store.saveApplication(application).doOnError(e -> state.release(application))
					.then(Mono.fromRunnable(() -> state.register(application)));
		}));
	}

	@Override
	public Mono<Void> unregisterApplication(UUID id) {
		Objects.requireNonNull(id, "id");
		return ready.then(Mono.defer(() -> {
			if (state.application(id) == null) {
				return Mono.error(new NotFoundException("application " + id + " is not registered"));
			}
			return store.deleteApplication(id).then(Mono.fromRunnable(() -> state.unregister(id)));
		}));
	}

	@Override
	public List<PeerApplication> applications() {
		return List.copyOf(state.current().applications().values());
	}

	PeerApplication registeredApplication(UUID id) {
		return state.application(id);
	}

	@Override
	public Flux<ApplicationChange> applicationChanges() {
		return ready.thenMany(state.applicationChanges());
	}

	@Override
	public Mono<Void> setObject(PeerObject object) {
		Objects.requireNonNull(object, "object");
		return Mono.fromRunnable(() -> state.setObject(object));
	}

	@Override
	public Mono<Void> deleteObject(UUID id) {
		Objects.requireNonNull(id, "id");
		if (id.equals(PeerObject.USER_PICTURE_ID)) {
			return Mono.error(new IllegalArgumentException("the user picture (" + id + ") is removed with "
					+ "clearUserPicture(), not deleteObject"));
		}
		return Mono.fromRunnable(() -> state.deleteObject(id));
	}

	@Override
	public Mono<Void> setUserPicture(Path image, PeerScope scope) {
		Objects.requireNonNull(image, "image");
		Objects.requireNonNull(scope, "scope");
		return Mono.fromCallable(() -> {
			long size = Files.size(image);
			if (size > PeerObject.MAX_DATA_LENGTH) {
				throw new PayloadTooLargeException("image " + image + " must be at most " + PeerObject.MAX_DATA_LENGTH
						+ " bytes, was " + size);
			}
			return PeerObject.userPicture(Files.readAllBytes(image), scope);
		}).subscribeOn(Schedulers.boundedElastic()).flatMap(this::setObject);
	}

	@Override
	public Mono<Void> clearUserPicture() {
		return Mono.fromRunnable(() -> {
			if (state.current().objects().containsKey(PeerObject.USER_PICTURE_ID)) {
				try {
					state.deleteObject(PeerObject.USER_PICTURE_ID);
				}
				catch (NotFoundException e) {
					// removed meanwhile by another call: what was asked is done
				}
			}
		});
	}

	@Override
	public List<PeerObject> objects() {
		return List.copyOf(state.current().objects().values());
	}

	@Override
	public Flux<ObjectChange> objectChanges() {
		return state.objectChanges();
	}

	// ----- what callers may see --------------------------------------------------------------------------------------

	/**
	 * @return whether a caller ({@code allowedContact} or not) sees, and so may be invited into, an item published with
	 * {@code itemScope}
	 */
	boolean visibleTo(boolean allowedContact, PeerScope itemScope) {
		return state.current().visible(itemScope, allowedContact);
	}

	/** Caller-dependent visibility changed (its contact entry). */
	void visibilityChanged(PeerName caller) {
		state.callerChanged(caller);
	}

	/** @return how many remote subscriptions to this endpoint's events are served now */
	int followerCount() {
		return followers.size();
	}

	private Responder responder() {
		return new Responder(state, followers, disclosure, contacts::isAllowed,
				audience -> contacts.exportCard(disclosure.card(contacts.me(), audience)), invitations,
				nearMe::peerSignedOut);
	}

	// ----- peers -----------------------------------------------------------------------------------------------------

	@Override
	public Flux<PeerNearMeEvent> peersNearMe() {
		return nearMe.events().name("peercollab.peers.near.me");
	}

	@Override
	public Mono<List<PeerNearMe>> getPeersNearMe() {
		return nearMe.current();
	}

	@Override
	public Mono<PeerNearMe> peerNearMe(PeerAddress address) {
		Objects.requireNonNull(address, "address");
		return nearMe.current().flatMap(peers -> {
			for (PeerNearMe p : peers) {
				for (PeerEndPoint e : p.endPoints()) {
					if (e.address().equals(address)) {
						return Mono.just(p);
					}
				}
			}
			return Mono.error(new NotFoundException("No peer near me announced " + address + " among its endpoints ("
					+ peers.size() + (peers.size() == 1 ? " peer" : " peers") + " near me now)"));
		});
	}

	@Override
	public Peer peer(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		return new RemotePeer(reach, contact);
	}

	/** A peer near me, as {@link NearMe} shows it: reached like any other peer. */
	private RemotePeer nearPeer(PeerName name, String nickname, List<PeerEndPoint> endPoints) {
		return new RemotePeer(reach, name, nickname, endPoints);
	}

	@Override
	public Peer peer(PeerName name, PeerEndPoint endPoint) {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(endPoint, "endPoint");
		return new RemotePeer(reach, name, name.classifier(), List.of(endPoint));
	}

	@Override
	public Flux<Invitation> invitations() {
		return invitations.received().name("peercollab.invitations.received");
	}

	@Override
	public ContactManager contacts() {
		return contacts;
	}

	@Override
	public Flux<Diagnostic> diagnostics() {
		return diagnostics.asFlux().onBackpressureBuffer(256, d -> {
		}, BufferOverflowStrategy.DROP_OLDEST).name("peercollab.diagnostics");
	}

	void diagnose(Diagnostic.Kind kind, String message) {
		diagnose(new Diagnostic(Instant.now(), kind, message));
	}

	void diagnose(Diagnostic diagnostic) {
		diagnosticLog.log(name() + " [" + diagnostic.kind() + "]", diagnostic);
		// without a subscriber the diagnostic is dropped here: it was logged above
		diagnostics.next(diagnostic);
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
				state.close();
				invitations.close();
				contacts.close();
				resolverDiagnostics.dispose();
				diagnostics.complete();
				endPointNames.complete();
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
}
