// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.UUID;

import io.peercollab.contact.ContactManager;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.AgentConnector;
import io.peercollab.spi.ContactStore;
import io.peercollab.spi.Discovery;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.PeerNameResolver;
import io.peercollab.spi.PeerTransport;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * An endpoint of the collaboration: who I am, what I publish, who is near me, my contacts, my invitations.
 *
 * <pre>{@code
 * PeerCollaboration collab = PeerCollaboration.builder()
 *         .identity(PeerIdentity.loadOrGenerate(home.resolve("alice.p12"), password, "alice"))
 *         .nickname("Alice")
 *         .discovery(MdnsDiscovery.defaultInterfaces())
 *         .transport(RSocketPeerTransport.tcp())
 *         .build();
 * collab.signIn(PeerScope.ALL)
 *         .thenMany(collab.peersNearMe())
 *         .subscribe(event -> System.out.println(event.type() + " " + event.peer().nickname()));
 * }</pre>
 *
 * <p>Without a {@link Builder#discovery(Discovery) discovery}, signing in to {@code NEAR_ME} (or {@code ALL}) fails.
 * (This example is compiled by the examples module's tests.)
 *
 * <p>Every method is non-blocking and lazy unless it says otherwise. State streams (the {@code ...Changes()} methods,
 * {@link #peersNearMe()}, {@link #signInChanges()}) emit the current state first, then each change, and document their
 * overflow strategy. Disposing the endpoint signs out, closes its transport, discovery and store, and completes its
 * streams.
 */
public interface PeerCollaboration extends Disposable {

	/** The most applications an endpoint registers. */
	int MAX_APPLICATIONS = 64;

	/** The most objects an endpoint publishes. */
	int MAX_OBJECTS = 128;

	/** The longest nickname, in characters (the mDNS announcement carries it). */
	int MAX_NICKNAME_LENGTH = 63;

	/** @return an immutable builder with every default set */
	static Builder builder() {
		return new io.peercollab.internal.engine.CollaborationBuilder();
	}

	/**
	 * Attaches to this user's agent, starting it if none runs: one sign-in, presence, contact list and set of
	 * registrations shared by every application of the user (see the README, "Two ways to run"). Needs an
	 * {@link AgentConnector} on the classpath ({@code peercollab-agent}).
	 *
	 * <p>An agent started here gets no options and no console (its input is {@code /dev/null}, its output the agent
	 * directory's log): it declines every invitation that would start a registered application (the agent's
	 * {@code decline} consent policy). For launches on accept, start the agent by hand first, or attach through
	 * {@code PeerCollabAgent.attachOrStart} with the agent options to start it with. An agent that runs already keeps
	 * the options it was started with.
	 *
	 * @return the agent's collaboration; fails with {@link NotFoundException} if no connector is on the classpath
	 */
	static Mono<PeerCollaboration> agent() {
		return Mono.defer(() -> ServiceLoader.load(AgentConnector.class).findFirst()
				.map(AgentConnector::attach)
				.orElseGet(() -> Mono.error(new NotFoundException(
						"no AgentConnector on the classpath: add the peercollab-agent artifact"))));
	}

	/**
	 * @return how this application was started by an accepted invitation, when a per-user agent launched it for one;
	 * empty for a program started normally, and always for an embedded endpoint
	 */
	default Optional<LaunchInfo> launchInfo() {
		return Optional.empty();
	}

	/** @return this endpoint's identity */
	PeerIdentity identity();

	/** @return this endpoint's name, {@code identity().name()} */
	default PeerName name() {
		return identity().name();
	}

	/**
	 * @return the current nickname: the Me contact's ({@code contacts().me().nickname()}), cut to
	 * {@value #MAX_NICKNAME_LENGTH} characters as it is announced
	 */
	String nickname();

	/**
	 * Changes the nickname, which is the Me contact's: it is stored with the Me contact (and kept across restarts
	 * with a durable store), and peers near me see the new one as an {@code UPDATED} event.
	 *
	 * @param nickname at most {@value #MAX_NICKNAME_LENGTH} characters; {@code null} becomes {@code ""}
	 * @return completes once stored and announced; fails with {@link PayloadTooLargeException} if the nickname is
	 * longer than {@value #MAX_NICKNAME_LENGTH} characters (the message names the field and the limit)
	 */
	Mono<Void> setNickname(@Nullable String nickname);

	/**
	 * @return this endpoint's name among the endpoints of its identity (Windows' endpoint name): the one last set
	 * with {@link #setEndPointName} (kept in the contact store across restarts), else the builder's
	 * {@link Builder#endPointName}, else the machine's host name ({@link #machineName()}). Before the store has
	 * loaded (milliseconds after {@code build()}), a stored name is not known yet.
	 */
	String endPointName();

	/**
	 * @return the machine's host name as the operating system holds it (read without a DNS lookup), or {@code ""}
	 * if none is known; announced near me beside the endpoint name
	 */
	String machineName();

	/**
	 * Changes the endpoint name: stores it in the contact store, announces it near me (the mDNS TXT record's
	 * {@code en}), and emits it on {@link #endPointNameChanges()}. Contacts and strangers near me read it from this
	 * endpoint's card as the name of its endpoint ({@link RemoteEndPoint#name()}).
	 *
	 * @param endPointName at most {@value PeerEndPoint#MAX_NAME_LENGTH} characters
	 * @return completes once stored and announced; fails with {@link PayloadTooLargeException} if it is longer than
	 * {@value PeerEndPoint#MAX_NAME_LENGTH} characters ({@code "endPointName must be at most 255 characters, was
	 * 256"}), nothing being changed
	 * @throws NullPointerException if {@code endPointName} is {@code null}
	 */
	Mono<Void> setEndPointName(String endPointName);

	/**
	 * @return the current endpoint name, then each change (one stored earlier replacing the default once the store
	 * has loaded, or {@link #setEndPointName}); completes when the endpoint is closed. Overflow: keeps the latest
	 * value for a slow subscriber.
	 */
	Flux<String> endPointNameChanges();

	// ----- sign-in ------------------------------------------------------------------------------------------------

	/**
	 * Signs in to a scope, adding it to the scopes already signed in to. The first sign-in starts the transport and sets
	 * presence to {@code ONLINE}; {@code NEAR_ME} starts discovery; {@code INTERNET} lets contacts reach and follow
	 * this endpoint, starts following the contacts marked subscribed, and, with a
	 * {@link Builder#namePublisher(io.peercollab.spi.PeerNamePublisher) publisher}, publishes the
	 * {@link #advertisedEndPoints() advertised addresses} (then again on every change and every republish interval).
	 *
	 * @return completes when signed in and, for {@code INTERNET} with a publisher, once the first attempt to publish is
	 * over (at most 30 s; a failed publication does not fail the sign-in: it is reported by {@link #diagnostics()} as
	 * {@code PUBLISH_FAILED} and retried); fails with {@link IllegalArgumentException} for {@code NONE}
	 */
	Mono<Void> signIn(PeerScope scope);

	/**
	 * Signs out of a scope. Signing out of every scope tells connected peers, answers the invitations still waiting
	 * for an answer with {@code DECLINED} ("NICKNAME signed out"), closes this endpoint's sessions (the other side's
	 * sessions complete, as after a goodbye), fails invitations sent and still pending with
	 * {@link NotSignedInException}, clears presence and published objects (registered
	 * applications stay), emits {@code NONE} once on {@link #signInChanges()}, and closes the transport once what was
	 * sent has reached the peers (at most 1 s per connection that does not answer). Signing out of
	 * {@code INTERNET} with a publisher publishes a record without endpoints, so that resolvers stop sending contacts
	 * to an address nobody answers.
	 *
	 * @return completes when signed out (and that record stored, or after 15 s at most); fails with
	 * {@link IllegalArgumentException} for {@code NONE}
	 */
	Mono<Void> signOut(PeerScope scope);

	/** @return the scopes signed in to now, {@code NONE} when signed out */
	PeerScope signInScope();

	/**
	 * @return the current sign-in scope, then each change. Overflow: keeps the latest value for a slow subscriber.
	 */
	Flux<PeerScope> signInChanges();

	/** @return where this endpoint listens, once signed in; empty before */
	List<PeerEndPoint> endPoints();

	/**
	 * @return the addresses this endpoint publishes for contacts on the Internet: those set with
	 * {@link #setAdvertisedEndPoints} or {@link Builder#advertisedEndPoints}, else where it listens (a wildcard
	 * address stands for the addresses of every interface that is up, not loopback and not link-local, checked every
	 * minute while signed in to {@code INTERNET} and published again when they change); empty while signed out. The
	 * transport's relayed addresses ({@link RelayedAddress}, a TURN relay) are published beside them.
	 */
	List<PeerEndPoint> advertisedEndPoints();

	/**
	 * Sets the addresses to publish, such as a router's public address and forwarded port for an endpoint behind NAT.
	 * While signed in to {@code INTERNET} with a {@link Builder#namePublisher publisher}, the new record is published
	 * at once.
	 *
	 * @param endPoints the addresses; an empty list goes back to the default (where this endpoint listens)
	 * @return completes once the first attempt to publish them is over (at most 30 s); never fails for the network:
	 * a failed publication is reported by {@link #diagnostics()} as {@code PUBLISH_FAILED} and retried in the
	 * background with backoff (1 s to 5 min)
	 * @throws NullPointerException if {@code endPoints} is {@code null}
	 */
	Mono<Void> setAdvertisedEndPoints(List<PeerEndPoint> endPoints);

	// ----- presence -----------------------------------------------------------------------------------------------

	/** @return the current presence; {@code OFFLINE} when signed out */
	PresenceInfo presence();

	/**
	 * Sets the presence. Its text's limit ({@value PresenceInfo#MAX_TEXT_LENGTH} characters) is checked when the
	 * {@link PresenceInfo} is made, which throws {@link PayloadTooLargeException} for a longer text.
	 *
	 * @return completes when set; fails with {@link NotSignedInException} when signed out, and
	 * {@link IllegalArgumentException} for {@code OFFLINE} (sign out instead)
	 */
	Mono<Void> setPresence(PresenceInfo presence);

	/**
	 * @return the current presence as {@code ADDED} (while signed in), then each change: {@code UPDATED} on
	 * {@link #setPresence}, {@code REMOVED} on signing out, {@code ADDED} on signing in again. Overflow: keeps the
	 * latest change for a slow subscriber (presence is a state; only the newest matters).
	 */
	Flux<PresenceChange> presenceChanges();

	// ----- applications and objects -------------------------------------------------------------------------------

	/**
	 * Registers an application, so that peers can see it (per its scope) and invite this endpoint into it. The
	 * registration is kept in the contact store and survives restarts. Registering is idempotent: registering an
	 * application equal to the registered one (the same id, description, data, scope and launch details), for example
	 * on every start of a program whose store kept it, completes without a change. The limits of an application's
	 * fields are checked when the {@link PeerApplication} is made ({@link PayloadTooLargeException}).
	 *
	 * @return completes once stored, or at once if the identical application is registered; fails with
	 * {@link AlreadyExistsException} if another application with the same id is registered,
	 * {@link LimitExceededException} beyond {@value #MAX_APPLICATIONS}
	 */
	Mono<Void> registerApplication(PeerApplication application);

	/**
	 * @return completes once removed; fails with {@link NotFoundException} if it was not registered
	 */
	Mono<Void> unregisterApplication(UUID id);

	/**
	 * A handle on one of this endpoint's applications, to invite "as myself": {@code collab.application(id).invite(peer,
	 * message, data)} sends the application as registered here, without naming it again.
	 *
	 * @param id the application's id; it need not be registered yet (the invitation fails with
	 * {@link NotFoundException} if it is not registered when sent)
	 * @return the handle
	 * @throws NullPointerException if {@code id} is {@code null}
	 */
	default RegisteredApplication application(UUID id) {
		return new RegisteredApplication(this, id);
	}

	/**
	 * The application this program registered, to invite "as myself" without naming it:
	 * {@code collab.currentApplication().flatMap(app -> app.invite(peer, message, data))}. Embedded, the one
	 * application registered on this endpoint; attached to a per-user agent ({@link #agent()}), the one this program
	 * registered (the agent's other registrations are other programs'), else, for a program the agent launched, the
	 * application of its {@link #launchInfo() launch}.
	 *
	 * @return the handle; fails with {@link NotFoundException} if there is none, or several (then name it with
	 * {@link #application(UUID)})
	 */
	default Mono<RegisteredApplication> currentApplication() {
		return Mono.fromCallable(() -> {
			List<PeerApplication> registered = applications();
			if (registered.size() != 1) {
				throw new NotFoundException("no current application: " + registered.size() + " applications are"
						+ " registered here; name one with application(id)");
			}
			return application(registered.get(0).id());
		});
	}

	/**
	 * @return the registered applications now. Those kept in the contact store are loaded as soon as the endpoint is
	 * built; until that load completes (milliseconds for an in-memory store, a first open of an H2 file takes a few
	 * hundred) this list lacks them. {@link #applicationChanges()} and every call of this interface that returns a
	 * {@code Mono} wait for the load.
	 */
	List<PeerApplication> applications();

	/**
	 * @return every registered application as {@code ADDED}, then each registration ({@code ADDED}) and removal
	 * ({@code REMOVED}). Overflow: each subscriber has a buffer of 1,024 changes and fails with an overflow error past
	 * it; it may subscribe again for the current state.
	 */
	Flux<ApplicationChange> applicationChanges();

	/**
	 * Publishes an object, or replaces the one with the same id in place. Its size limit is checked when the
	 * {@link PeerObject} is made ({@link PayloadTooLargeException} over {@value PeerObject#MAX_DATA_LENGTH} bytes).
	 *
	 * @return completes when published; fails with {@link NotSignedInException} when signed out,
	 * {@link LimitExceededException} beyond {@value #MAX_OBJECTS}
	 */
	Mono<Void> setObject(PeerObject object);

	/**
	 * @return completes when removed; fails with {@link NotFoundException} if there is no such object, and with
	 * {@link IllegalArgumentException} for the user picture ({@link PeerObject#USER_PICTURE_ID}), which
	 * {@link #clearUserPicture()} removes
	 */
	Mono<Void> deleteObject(UUID id);

	/**
	 * Publishes the user picture ({@link PeerObject#USER_PICTURE_ID}) from an image file, replacing the one published
	 * before. The file's size is checked before it is read, and it is read on {@code boundedElastic}, never on the
	 * caller's thread. Nothing happens before subscription.
	 *
	 * @param image a PNG, JPEG, GIF, BMP or WebP file of at most {@value PeerObject#MAX_DATA_LENGTH} bytes
	 * @param scope who may see it
	 * @return completes when published; fails with {@link PayloadTooLargeException} naming the file and the limit if
	 * it is larger, {@link IllegalArgumentException} if it is not one of these images, the {@link java.io.IOException}
	 * if it cannot be read, and as {@link #setObject} otherwise
	 * @throws NullPointerException if {@code image} or {@code scope} is {@code null}
	 */
	Mono<Void> setUserPicture(Path image, PeerScope scope);

	/**
	 * Removes the user picture.
	 *
	 * @return completes when it is removed, or at once if none was published
	 */
	Mono<Void> clearUserPicture();

	/** @return the published objects now */
	List<PeerObject> objects();

	/**
	 * @return every published object as {@code ADDED}, then each change. Overflow as
	 * {@link #applicationChanges()}.
	 */
	Flux<ObjectChange> objectChanges();

	// ----- peers ----------------------------------------------------------------------------------------------------

	/**
	 * People near me.
	 *
	 * <p>Emits the peers known now as {@code ADDED}, then every change: {@code ADDED} when one appears (once a connection
	 * to an announced endpoint has proven its name: a TLS handshake after the announcement; a name that no endpoint
	 * proves is never shown), {@code UPDATED} when its nickname or proven endpoints change, {@code REMOVED} when it signs
	 * out (within a second or two), vanishes, or no longer announces an endpoint that proves its name. No connection
	 * is held to a neighbour once its name is proven; a peer that vanishes without a goodbye is noticed thus:
	 * <ul>
	 *   <li>its process dies (its port refuses): at once if a connection to it is open or a call to it fails;
	 *   otherwise within 5 seconds plus that refused connect, because every peer shown is probed (for TCP: a connect,
	 *   closed at once) every 5 seconds, one after the other;</li>
	 *   <li>its machine leaves the network (nothing answers): within those 5 seconds plus the transport's connect
	 *   timeout (5 s by default), or, if a connection to it is open, once its keepalive fails and verifying it again
	 *   has failed too, which the connect timeout bounds;</li>
	 *   <li>its process hangs while its machine still accepts connections: a probe cannot tell; it is removed once a
	 *   connection or a call to it fails and verifying it again fails too, or else when mDNS expires it.</li>
	 * </ul>
	 * An mDNS goodbye removes it too. This endpoint is never included; a peer seen on several interfaces is one
	 * {@link PeerNearMe}. Completes on signing out of {@code NEAR_ME}. Overflow: each subscriber has a buffer of 1,024
	 * events and fails with an overflow error past it.
	 *
	 * @return the peers near me; fails with {@link NotSignedInException} when not signed in to {@code NEAR_ME}
	 */
	Flux<PeerNearMeEvent> peersNearMe();

	/**
	 * @return the peers near me now; fails with {@link NotSignedInException} when not signed in to {@code NEAR_ME}
	 */
	Mono<List<PeerNearMe>> getPeersNearMe();

	/**
	 * The peer near me that announced {@code address} among its endpoints, as .NET's
	 * {@code PeerNearMe.CreateFromPeerEndPoint} finds a person near me by an address it saw.
	 *
	 * @return that peer, as {@link #getPeersNearMe()} shows it now; fails with {@link NotFoundException} naming the
	 * address if no verified peer near me announced it, {@link NotSignedInException} when not signed in to
	 * {@code NEAR_ME}
	 * @throws NullPointerException if {@code address} is {@code null}
	 */
	Mono<PeerNearMe> peerNearMe(PeerAddress address);

	/**
	 * {@link #peerNearMe(PeerAddress)} for a TCP address.
	 *
	 * @return the peer near me that announced {@code address}
	 * @throws IllegalArgumentException if its port is 0
	 */
	default Mono<PeerNearMe> peerNearMe(InetSocketAddress address) {
		return peerNearMe(TcpAddress.of(address));
	}

	/**
	 * @return a handle on a contact, reached at its last known endpoints
	 */
	Peer peer(PeerContact contact);

	/**
	 * @return a handle on the endpoint at {@code endPoint}, which must prove {@code name}
	 */
	Peer peer(PeerName name, PeerEndPoint endPoint);

	// ----- invitations ----------------------------------------------------------------------------------------------

	/**
	 * Invitations received, as they arrive (a hot stream: invitations received while nobody subscribes wait, still
	 * pending, in a buffer of 256, then are declined automatically). Invitations for applications not registered here
	 * are declined at once and not emitted.
	 *
	 * @return the invitations
	 */
	Flux<Invitation> invitations();

	// ----- contacts and diagnostics ---------------------------------------------------------------------------------

	/** @return the contact manager */
	ContactManager contacts();

	/**
	 * @return what the library noticed and refused (spoofed names, malformed announcements, rejected requests, and
	 * what every configured {@link io.peercollab.spi.PeerNameResolver#diagnostics() resolver} refused, such as a
	 * forged DHT record), as it happens; also logged at WARN. Overflow: drops the oldest for a slow subscriber.
	 */
	Flux<Diagnostic> diagnostics();

	/**
	 * Signs out, then closes the transport, discovery and store.
	 *
	 * <p>What it costs: on loopback, a few milliseconds without discovery (median 3 ms over 10 runs, with one open
	 * connection, whose peer is told and answered first). With {@code MdnsDiscovery} it takes about 1 s (median
	 * 1,004 ms): jmDNS's own close sends the mDNS goodbye at once and then waits for its announcement tasks to end, and
	 * this {@code Mono} waits for that so that, once it completes, no thread or socket of the endpoint is left. Peers
	 * learn of the sign-out before that wait (the notice over their connection, then the goodbye), so nothing needs to
	 * wait for it: {@link #signOut(PeerScope)} does not, and a program may exit without it.
	 *
	 * @return completes when everything is released
	 */
	Mono<Void> close();

	/**
	 * Builds a {@link PeerCollaboration}. Immutable, like every configuration in PeerCollab (and reactor-netty's
	 * {@code TcpClient}): each method returns a new builder with that setting and leaves this one unchanged, so chain
	 * the calls or keep what they return. A builder can be shared and {@link #build()} called any number of times,
	 * each time for a new endpoint; give each endpoint its own {@link #contactStore(ContactStore) store}, which
	 * closes with it.
	 *
	 * <pre>{@code
	 * PeerCollaboration.Builder base = PeerCollaboration.builder().transport(RSocketPeerTransport.tcp());
	 * PeerCollaboration alice = base.identity(aliceIdentity).build();
	 * PeerCollaboration bob = base.identity(bobIdentity).build(); // base itself has no identity
	 * }</pre>
	 */
	interface Builder {

		/** The identity (required). */
		Builder identity(PeerIdentity identity);

		/**
		 * The nickname until the Me contact's is changed ({@link PeerCollaboration#setNickname},
		 * {@code contacts().updateMe(..)}: a nickname so set and stored wins at the next start); defaults to the
		 * identity's classifier. At most {@value #MAX_NICKNAME_LENGTH} characters.
		 *
		 * @throws PayloadTooLargeException if it is longer
		 * @throws NullPointerException if it is {@code null}
		 */
		Builder nickname(String nickname);

		/**
		 * The endpoint name until one is set with {@link PeerCollaboration#setEndPointName} (a name so set and
		 * stored wins at the next start); defaults to the machine's host name. At most
		 * {@value PeerEndPoint#MAX_NAME_LENGTH} characters.
		 *
		 * @throws PayloadTooLargeException if it is longer
		 * @throws NullPointerException if it is {@code null}
		 */
		Builder endPointName(String endPointName);

		/** Where contacts and registrations are kept; defaults to {@link io.peercollab.contact.ContactStores#inMemory()}. */
		Builder contactStore(ContactStore store);

		/** How peers near me are found; defaults to none (signing in to {@code NEAR_ME} then fails). */
		Builder discovery(Discovery discovery);

		/** How peers are reached (required). */
		Builder transport(PeerTransport transport);

		/** Who may invite this endpoint; defaults to {@link InvitationPolicy#EVERYONE}. */
		Builder invitationPolicy(InvitationPolicy policy);

		/** How long an invitation sent from here waits for an answer; defaults to 5 minutes. */
		Builder invitationExpiry(Duration expiry);

		/** Invitations one peer may send here per minute before being refused; defaults to 60. */
		Builder invitationsPerPeerPerMinute(int limit);

		/** The scheduler for timers (expiry, retries); defaults to {@code Schedulers.parallel()}. */
		Builder timerScheduler(Scheduler scheduler);

		/**
		 * Adds a source of contacts' addresses, such as {@code io.peercollab.dht.MainlineDht}. Contacts are always
		 * looked up in their card, where they were last seen and among the peers near me; each resolver added here
		 * is asked at the same time, and the first address that answers and proves the contact's key is used.
		 */
		Builder nameResolver(PeerNameResolver resolver);

		/**
		 * Where this endpoint publishes its addresses while signed in to {@code INTERNET}, such as
		 * {@code io.peercollab.dht.MainlineDht}; defaults to none (contacts then reach it through its card and where
		 * they last saw it). The publisher stays the caller's: {@link PeerCollaboration#close()} does not close it.
		 */
		Builder namePublisher(PeerNamePublisher publisher);

		/** The addresses to publish instead of where this endpoint listens; see {@link #advertisedEndPoints()}. */
		Builder advertisedEndPoints(List<PeerEndPoint> endPoints);

		/**
		 * How often the Internet record is published again while signed in; defaults to 1 hour. It must be shorter
		 * than the publisher's {@link PeerNamePublisher#recordLifetime() record lifetime} (2 hours on the DHT).
		 */
		Builder republishInterval(Duration interval);

		/**
		 * Who sees the display name set with {@code contacts().updateMe(..)}; defaults to
		 * {@link Sharing#CONTACTS}. It travels on the contact card that {@code peercollab.v1.card} serves: callers
		 * not shown it get the card without it (and so does {@code createContact} on their side). The name and
		 * certificate are on every card (the TLS handshake shows them anyway), the nickname on the cards of contacts
		 * and strangers near me (the mDNS announcement carries it anyway), never on a stranger's on the Internet.
		 * There is no picture to share: the card format has none.
		 */
		Builder shareDisplayName(Sharing sharing);

		/** Who sees the e-mail address set with {@code contacts().updateMe(..)}; as {@link #shareDisplayName}. */
		Builder shareEmail(Sharing sharing);

		/**
		 * Who sees this endpoint's presence; defaults to {@link Sharing#CONTACTS_AND_NEAR_ME}. With
		 * {@link Sharing#NO_ONE} the endpoint is invisible: it still appears near me (mDNS announces it while signed
		 * in to {@code NEAR_ME}) and may still be invited into the applications a caller can see, but every caller
		 * reads its presence as {@code OFFLINE} ({@code peercollab.v1.presence}) and follows no presence at all
		 * ({@code peercollab.v1.events} carries none, so a following contact reads {@code OFFLINE}). Applications and
		 * objects stay governed by their own scope.
		 */
		Builder sharePresence(Sharing sharing);

		/**
		 * Whether the mDNS service instance name (the label DNS-SD browsers list, such as {@code avahi-browse})
		 * starts with the identity's classifier, typically a machine name such as {@code alice-laptop}; defaults to
		 * {@code false}: the label is then {@code peer-} followed by the first eight characters of the key's
		 * authority and a random tag. Either way the TXT record carries the full name (the classifier is part of
		 * it, and a connection must prove it) and the nickname. With {@code true} it also carries the
		 * {@link PeerCollaboration#endPointName() endpoint name} ({@code en}) and the
		 * {@link PeerCollaboration#machineName() machine name} ({@code mn}); with {@code false} the machine's host
		 * name is never announced (each mDNS responder uses a random host name).
		 */
		Builder announceEndpointName(boolean announce);

		/**
		 * Who is told what this endpoint does (connections, invitations, followers, sessions, peers near me, Internet
		 * records), for metrics and tracing; defaults to {@link CollaborationObserver#NOOP}, which costs nothing.
		 * {@code io.peercollab.micrometer.MicrometerCollaborationObserver} turns it into Micrometer meters. An observer
		 * that throws never breaks the endpoint: see {@link CollaborationObserver}.
		 *
		 * @throws NullPointerException if it is {@code null} (use {@link CollaborationObserver#NOOP} for none)
		 */
		Builder observer(CollaborationObserver observer);

		/**
		 * Whether this endpoint asks its gateway (the next hop of the default route, read from
		 * {@code /proc/net/route} on Linux) to forward its listening port while it is signed in to {@code INTERNET}:
		 * by PCP, then NAT-PMP, then UPnP-IGD; defaults to {@code true}. Only a transport listening on TCP on the
		 * wildcard or a non-loopback address is mapped. The mapping is renewed at half its lifetime and deleted on
		 * signing out of {@code INTERNET}; while it lasts, its external address is published beside the direct ones
		 * (unless {@link #advertisedEndPoints} or {@link PeerCollaboration#setAdvertisedEndPoints} replaced them).
		 * {@code false}: nothing is ever sent to the gateway.
		 */
		Builder portMapping(boolean enabled);

		/**
		 * @return a new endpoint, signed out
		 * @throws IllegalStateException if a required setting is missing
		 */
		PeerCollaboration build();
	}
}
