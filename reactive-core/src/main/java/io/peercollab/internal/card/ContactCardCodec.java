// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.card;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.XMLStreamWriter;

import io.peercollab.InvalidContactCardException;
import io.peercollab.IpLiterals;
import io.peercollab.MessageText;
import io.peercollab.PeerEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerName;

/**
 * Writes a {@link PeerContact} as a contact card, an XML document, and reads one back defensively. The format, its
 * limits and the checks made on import are specified in {@code reactive-core/CONTACT-CARD.md}.
 *
 * <p>A card describes who someone is, never what its holder allows: {@link #toXml(PeerContact)} leaves out the
 * contact's {@code subscribed} and {@code subscribeAllowed} settings, and {@link #fromXml(String)} gives every contact
 * it reads the local defaults ({@code subscribed = false}, {@code subscribeAllowed = ALLOWED}), also from older cards
 * that still carry {@code <subscribed>} or {@code <subscribe-allowed>} (their values are checked, then ignored).
 * Every card {@link #toXml(PeerContact)} writes, {@link #fromXml(String)} reads back to a contact equal but for these
 * two settings.
 * {@link #fromXml(String)} treats its input as hostile: it refuses DTDs and entities (XXE, "billion laughs"), input
 * over {@value #MAX_CARD_BYTES} bytes, unknown versions, unknown, missing or repeated elements, over-long fields, host
 * names where an IP literal belongs (so that reading a card never triggers a DNS lookup), and a name that is not
 * derived from the card's certificate. It fails only with {@link InvalidContactCardException}.
 *
 * <p>Both methods are pure and thread-safe; they do no I/O.
 */
public final class ContactCardCodec {

	/** The XML namespace of every element of a version 1 card. */
	public static final String NAMESPACE = "urn:peercollab:contact-card:1";

	/** The version this codec writes and the only one it reads. */
	public static final String VERSION = "1";

	/** The largest card {@link #fromXml(String)} reads, in bytes of UTF-8 (64 KiB). */
	public static final int MAX_CARD_BYTES = 64 * 1024;

	static final String ROOT = "peercollab-contact-card";
	static final String VERSION_ATTRIBUTE = "version";
	static final String PEER_NAME = "peer-name";
	static final String NICKNAME = "nickname";
	static final String DISPLAY_NAME = "display-name";
	static final String EMAIL = "email";
	static final String CERTIFICATE = "certificate";
	static final String ENDPOINTS = "endpoints";
	static final String ENDPOINT = "endpoint";
	static final String ENDPOINT_NAME = "name";
	static final String HOST = "host";
	static final String PORT = "port";
	static final String SUBSCRIBED = "subscribed";
	static final String SUBSCRIBE_ALLOWED = "subscribe-allowed";

	private static final String REJECTED = "Contact card rejected: ";

	// Mirrors PeerContact's check, so that a bad address is reported as a card field before any contact is built.
	private static final Pattern EMAIL_SHAPE = Pattern.compile("[^@\\s]+@[^@\\s]+");

	private static final Pattern PORT_DIGITS = Pattern.compile("[0-9]{1,5}");

	private ContactCardCodec() {
	}

	/**
	 * Writes a contact as a version 1 card.
	 *
	 * <p>The certificate is written as base64 of its DER encoding, endpoints as IP literals (an IPv6 scope id is
	 * dropped: it only means something on the machine that wrote it). The document is meant to travel as UTF-8.
	 *
	 * @param contact the contact to write
	 * @return the card, an XML document
	 * @throws NullPointerException if {@code contact} is {@code null}
	 * @throws IllegalArgumentException if the contact cannot travel as a card that {@link #fromXml(String)} accepts:
	 * its name is unsecured, its certificate is not self-signed by its own key, an endpoint has no IP address
	 * (unresolved), or a text field holds a character XML 1.0 cannot carry (most control characters, unpaired
	 * surrogates)
	 */
	public static String toXml(PeerContact contact) {
		Objects.requireNonNull(contact, "contact");
		if (!contact.name().isSecured()) {
			throw new IllegalArgumentException("a contact card needs a secured name, " + contact.name()
					+ " is unsecured");
		}
		byte[] der;
		try {
			der = contact.certificate().getEncoded();
			contact.certificate().verify(contact.certificate().getPublicKey());
		}
		catch (GeneralSecurityException | RuntimeException e) {
			throw new IllegalArgumentException(
					"the contact's certificate cannot travel in a card (it must be self-signed by its own key): "
							+ describe(e), e);
		}
		StringWriter out = new StringWriter(2048);
		try {
			// A new factory per call: the StAX specification does not promise that factories are thread-safe.
			XMLStreamWriter w = XMLOutputFactory.newDefaultFactory().createXMLStreamWriter(out);
			w.writeStartDocument("UTF-8", "1.0");
			w.writeCharacters("\n");
			w.setDefaultNamespace(NAMESPACE);
			w.writeStartElement(NAMESPACE, ROOT);
			w.writeDefaultNamespace(NAMESPACE);
			w.writeAttribute(VERSION_ATTRIBUTE, VERSION);
			leaf(w, 1, PEER_NAME, contact.name().toString());
			leaf(w, 1, NICKNAME, contact.nickname());
			leaf(w, 1, DISPLAY_NAME, contact.displayName());
			leaf(w, 1, EMAIL, contact.email());
			indent(w, 1);
			w.writeStartElement(NAMESPACE, CERTIFICATE);
			// Wrapped like PEM so that a person can read and mail the card; the reader drops the white space.
			w.writeCharacters("\n\t\t" + Base64.getMimeEncoder(76, "\n\t\t".getBytes(StandardCharsets.US_ASCII))
					.encodeToString(der) + "\n\t");
			w.writeEndElement();
			indent(w, 1);
			w.writeStartElement(NAMESPACE, ENDPOINTS);
			for (PeerEndPoint endPoint : contact.endPoints()) {
				indent(w, 2);
				w.writeStartElement(NAMESPACE, ENDPOINT);
				leaf(w, 3, ENDPOINT_NAME, endPoint.name());
				leaf(w, 3, HOST, hostOf(endPoint));
				leaf(w, 3, PORT, Integer.toString(endPoint.tcpAddress().getPort()));
				indent(w, 2);
				w.writeEndElement();
			}
			if (!contact.endPoints().isEmpty()) {
				indent(w, 1);
			}
			w.writeEndElement();
			w.writeCharacters("\n");
			w.writeEndElement();
			w.writeCharacters("\n");
			w.writeEndDocument();
			w.close();
		}
		catch (XMLStreamException e) {
			// Writing to a StringWriter has no I/O to fail; this is a broken XML implementation.
			throw new IllegalStateException("could not write a contact card: " + e.getMessage(), e);
		}
		return out.toString();
	}

	/**
	 * Reads a card, checking everything before it builds the contact.
	 *
	 * <p>Rejects, each with a message that names the problem: input over {@value #MAX_CARD_BYTES} bytes (before
	 * parsing), XML that is not well-formed or not XML 1.0, any DOCTYPE (so no entity is ever resolved or expanded),
	 * processing instructions, a root other than {@code <peercollab-contact-card>} in {@value #NAMESPACE}, a
	 * {@code version} other than {@value #VERSION}, unknown elements or attributes, repeated elements, a missing
	 * {@code peer-name} or {@code certificate}, text over a field's limit, more than
	 * {@value PeerContact#MAX_ENDPOINTS} endpoints, a host that is not an IPv4 or IPv6 literal, a port outside
	 * 1..65535, a certificate that is not valid base64 of one DER-encoded X.509 certificate self-signed by its own
	 * key, an unsecured name, and a name that is not derived from the certificate's key.
	 *
	 * @param xml the card
	 * @return the contact the card describes; its name matches its certificate; it is not subscribed and is
	 * {@code ALLOWED} to follow, whatever an older card says about that
	 * @throws InvalidContactCardException for any problem with the card, {@code null} included; never another type
	 */
	public static PeerContact fromXml(String xml) {
		if (xml == null) {
			throw reject("there is no card, the text is null");
		}
		// Every char takes at least one byte: longer text is over the limit without counting its bytes.
		if (xml.length() > MAX_CARD_BYTES || utf8Length(xml) > MAX_CARD_BYTES) {
			throw reject("it is larger than " + MAX_CARD_BYTES + " bytes (64 KiB), the limit. A real card is a "
					+ "few KiB: this is not a contact card, or it was padded");
		}
		if (xml.isBlank()) {
			throw reject("the text is empty");
		}
		try {
			return read(xml);
		}
		catch (InvalidContactCardException e) {
			throw e;
		}
		catch (XMLStreamException e) {
			throw new InvalidContactCardException(notWellFormed(e), e);
		}
		catch (RuntimeException | StackOverflowError e) {
			// The parser and the certificate decoder are JDK code fed with hostile input: whatever they throw is
			// still a bad card, never a reason to fail the caller in another way.
			throw new InvalidContactCardException(REJECTED + "it could not be read: " + describe(e), e);
		}
	}

	private static PeerContact read(String xml) throws XMLStreamException {
		XMLStreamReader r = newReader(xml);
		try {
			String xmlVersion = r.getVersion();
			if (xmlVersion != null && !xmlVersion.equals("1.0")) {
				throw reject("it declares XML version " + xmlVersion + "; cards are XML 1.0");
			}
			Card card = null;
			while (r.hasNext()) {
				int event = r.next();
				switch (event) {
					case XMLStreamConstants.DTD -> throw reject("it contains a DOCTYPE declaration. Cards never have "
							+ "one: DTDs and entities are refused so that a card cannot make the reader open files or "
							+ "URLs (XXE) or expand to gigabytes (billion laughs)");
					case XMLStreamConstants.START_ELEMENT -> card = readRoot(r);
					case XMLStreamConstants.COMMENT, XMLStreamConstants.SPACE, XMLStreamConstants.END_DOCUMENT -> {
					}
					case XMLStreamConstants.CHARACTERS -> {
						if (!r.isWhiteSpace()) {
							throw reject("it has text outside the <" + ROOT + "> element");
						}
					}
					default -> throw unexpected(r, event, "outside the <" + ROOT + "> element");
				}
			}
			if (card == null) {
				throw reject("it has no <" + ROOT + "> element");
			}
			return card.build();
		}
		finally {
			r.close();
		}
	}

	private static XMLStreamReader newReader(String xml) throws XMLStreamException {
		// The JDK's own implementation, whatever StAX provider the application has on its class path: it is the one
		// whose hardening below is known to work.
		XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
		factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
		factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
		factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
		factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
		factory.setXMLResolver((publicId, systemId, baseUri, namespace) -> {
			throw new XMLStreamException("external entities are refused: " + systemId);
		});
		return factory.createXMLStreamReader(new StringReader(xml));
	}

	private static Card readRoot(XMLStreamReader r) throws XMLStreamException {
		if (!ROOT.equals(r.getLocalName())) {
			throw reject("it is not a PeerCollab contact card: the root element is <" + r.getLocalName()
					+ ">, expected <" + ROOT + " xmlns=\"" + NAMESPACE + "\" version=\"" + VERSION + "\">");
		}
		// The version is looked at before the namespace, so that a newer card is reported as a newer version.
		String version = null;
		for (int i = 0; i < r.getAttributeCount(); i++) {
			String attribute = r.getAttributeLocalName(i);
			String attributeNamespace = r.getAttributeNamespace(i);
			if (!VERSION_ATTRIBUTE.equals(attribute)
					|| (attributeNamespace != null && !attributeNamespace.isEmpty())) {
				throw reject("<" + ROOT + "> has an unknown attribute '" + r.getAttributeName(i)
						+ "'; version " + VERSION + " cards carry only version=\"" + VERSION + "\"");
			}
			version = r.getAttributeValue(i);
		}
		if (version == null) {
			throw reject("<" + ROOT + "> has no version attribute; this library reads version " + VERSION);
		}
		if (!VERSION.equals(version.strip())) {
			throw reject("unsupported card version " + MessageText.quote(version) + "; this library reads version "
					+ VERSION);
		}
		if (!NAMESPACE.equals(r.getNamespaceURI())) {
			throw reject("<" + ROOT + "> is in namespace '" + r.getNamespaceURI() + "', expected '" + NAMESPACE
					+ "'");
		}
		Card card = new Card();
		Set<String> seen = new HashSet<>();
		while (true) {
			int event = r.next();
			switch (event) {
				case XMLStreamConstants.START_ELEMENT -> {
					String element = childOf(r, ROOT, seen);
					switch (element) {
						case PEER_NAME -> card.peerName = leafText(r, element);
						case NICKNAME -> card.nickname = leafText(r, element);
						case DISPLAY_NAME -> card.displayName = leafText(r, element);
						case EMAIL -> card.email = leafText(r, element);
						case CERTIFICATE -> card.certificate = leafText(r, element);
						case ENDPOINTS -> card.endPoints = readEndPoints(r);
						case SUBSCRIBED -> card.subscribed = leafText(r, element);
						case SUBSCRIBE_ALLOWED -> card.subscribeAllowed = leafText(r, element);
						default -> throw unknownElement(element, ROOT);
					}
				}
				case XMLStreamConstants.END_ELEMENT -> {
					return card;
				}
				default -> ignorable(r, event, ROOT);
			}
		}
	}

	private static List<PeerEndPoint> readEndPoints(XMLStreamReader r) throws XMLStreamException {
		List<PeerEndPoint> endPoints = new ArrayList<>();
		while (true) {
			int event = r.next();
			switch (event) {
				case XMLStreamConstants.START_ELEMENT -> {
					// Repeated <endpoint> elements are the point of <endpoints>, so no duplicate check here.
					String element = childOf(r, ENDPOINTS, null);
					if (!ENDPOINT.equals(element)) {
						throw unknownElement(element, ENDPOINTS);
					}
					if (endPoints.size() == PeerContact.MAX_ENDPOINTS) {
						throw reject("it lists more than " + PeerContact.MAX_ENDPOINTS + " endpoints; the limit is "
								+ PeerContact.MAX_ENDPOINTS);
					}
					endPoints.add(readEndPoint(r, endPoints.size() + 1));
				}
				case XMLStreamConstants.END_ELEMENT -> {
					return endPoints;
				}
				default -> ignorable(r, event, ENDPOINTS);
			}
		}
	}

	private static PeerEndPoint readEndPoint(XMLStreamReader r, int position) throws XMLStreamException {
		String where = "endpoint " + position;
		Set<String> seen = new HashSet<>();
		String name = null;
		String host = null;
		String port = null;
		while (true) {
			int event = r.next();
			if (event == XMLStreamConstants.END_ELEMENT) {
				break;
			}
			if (event != XMLStreamConstants.START_ELEMENT) {
				ignorable(r, event, ENDPOINT);
				continue;
			}
			String element = childOf(r, ENDPOINT, seen);
			switch (element) {
				case ENDPOINT_NAME -> name = leafText(r, element);
				case HOST -> host = leafText(r, element);
				case PORT -> port = leafText(r, element);
				default -> throw unknownElement(element, ENDPOINT);
			}
		}
		if (host == null) {
			throw reject(where + " has no <" + HOST + "> element; it is required");
		}
		if (port == null) {
			throw reject(where + " has no <" + PORT + "> element; it is required");
		}
		name = checkText(where + " <" + ENDPOINT_NAME + ">", name, PeerEndPoint.MAX_NAME_LENGTH);
		InetAddress address = ipLiteral(where, host.strip());
		int portNumber = port(where, port.strip());
		return new PeerEndPoint(name, new InetSocketAddress(address, portNumber));
	}

	/**
	 * Checks a start tag inside {@code parent} and returns its local name; {@code seen} collects the names met so far
	 * to reject repeats, or is {@code null} where repeats are allowed.
	 */
	private static String childOf(XMLStreamReader r, String parent, Set<String> seen) {
		String element = r.getLocalName();
		if (!NAMESPACE.equals(r.getNamespaceURI())) {
			throw reject("<" + element + "> inside <" + parent + "> is in namespace '" + r.getNamespaceURI()
					+ "', expected '" + NAMESPACE + "'; version " + VERSION + " cards allow no foreign elements");
		}
		if (r.getAttributeCount() > 0) {
			throw reject("<" + element + "> has an unknown attribute '" + r.getAttributeName(0)
					+ "'; only the root element has an attribute (version)");
		}
		if (seen != null && !seen.add(element)) {
			throw reject("<" + parent + "> has more than one <" + element + "> element");
		}
		return element;
	}

	/** Reads the text of an element that may hold only text (and comments), up to and including its end tag. */
	private static String leafText(XMLStreamReader r, String element) throws XMLStreamException {
		StringBuilder text = new StringBuilder();
		while (true) {
			int event = r.next();
			switch (event) {
				case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE ->
						text.append(r.getTextCharacters(), r.getTextStart(), r.getTextLength());
				case XMLStreamConstants.COMMENT -> {
				}
				case XMLStreamConstants.END_ELEMENT -> {
					return text.toString();
				}
				case XMLStreamConstants.START_ELEMENT -> throw reject("<" + element + "> must hold only text, found <"
						+ r.getLocalName() + "> inside it");
				default -> throw unexpected(r, event, "inside <" + element + ">");
			}
		}
	}

	/** Accepts what may sit between elements (white space, comments); rejects anything else. */
	private static void ignorable(XMLStreamReader r, int event, String parent) {
		switch (event) {
			case XMLStreamConstants.COMMENT, XMLStreamConstants.SPACE -> {
			}
			case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA -> {
				if (!isXmlWhiteSpace(r.getText())) {
					throw reject("<" + parent + "> holds text '" + MessageText.quote(r.getText().strip())
							+ "' between its elements; only white space may sit there");
				}
			}
			default -> throw unexpected(r, event, "inside <" + parent + ">");
		}
	}

	private static InvalidContactCardException unexpected(XMLStreamReader r, int event, String where) {
		return switch (event) {
			case XMLStreamConstants.DTD -> reject("it contains a DOCTYPE declaration " + where);
			case XMLStreamConstants.PROCESSING_INSTRUCTION -> reject("it contains a processing instruction <?"
					+ MessageText.quote(String.valueOf(r.getPITarget())) + "?> " + where + "; cards have none");
			case XMLStreamConstants.ENTITY_REFERENCE -> reject("it contains an entity reference " + where
					+ "; cards use only the predefined entities (&lt; &gt; &amp; &quot; &apos;) and character "
					+ "references");
			default -> reject("it contains unexpected XML (event " + event + ") " + where);
		};
	}

	private static InvalidContactCardException unknownElement(String element, String parent) {
		return reject("<" + parent + "> has an unknown element <" + element + ">; version " + VERSION
				+ " cards are strict and allow only the elements of CONTACT-CARD.md");
	}

	/** What the parser found, before anything is validated. */
	private static final class Card {
		String peerName;
		String nickname;
		String displayName;
		String email;
		String certificate;
		List<PeerEndPoint> endPoints;
		String subscribed;
		String subscribeAllowed;

		PeerContact build() {
			if (peerName == null) {
				throw reject("it has no <" + PEER_NAME + "> element; it is required");
			}
			if (certificate == null) {
				throw reject("it has no <" + CERTIFICATE + "> element; it is required");
			}
			PeerName name;
			try {
				name = PeerName.parse(peerName.strip());
			}
			catch (IllegalArgumentException e) {
				throw reject("<" + PEER_NAME + "> is not a valid PeerName: " + e.getMessage(), e);
			}
			if (!name.isSecured()) {
				throw reject("<" + PEER_NAME + "> " + name + " is an unsecured name; a card must carry a secured "
						+ "name, derived from its certificate's key");
			}
			String nick = checkText("<" + NICKNAME + ">", nickname, PeerContact.MAX_TEXT_LENGTH);
			String display = checkText("<" + DISPLAY_NAME + ">", displayName, PeerContact.MAX_TEXT_LENGTH);
			String mail = checkText("<" + EMAIL + ">", email, PeerContact.MAX_EMAIL_LENGTH);
			if (!mail.isEmpty() && !EMAIL_SHAPE.matcher(mail).matches()) {
				throw reject("<" + EMAIL + "> must look like name@domain, was '" + MessageText.quote(mail) + "'");
			}
			X509Certificate cert = certificate(certificate);
			if (!name.matches(cert)) {
				throw reject("the card's name is not derived from its certificate: " + name
						+ " does not match the certificate's key" + expectedAuthority(cert)
						+ ". The card was altered or mixes two identities; ask the peer for a new card");
			}
			// Cards written before these two settings were left out still carry the writer's own choices; they are
			// checked (a card is understood in full) and ignored: what the reader allows and follows is the reader's.
			flag(subscribed);
			allowed(subscribeAllowed);
			try {
				return new PeerContact(name, nick, display, mail, cert, endPoints, false, SubscribeAllowed.ALLOWED);
			}
			catch (RuntimeException e) {
				// Every limit was checked above; this is a rule of PeerContact this codec does not know yet.
				throw reject("it describes an invalid contact: " + e.getMessage(), e);
			}
		}
	}

	private static String expectedAuthority(X509Certificate cert) {
		try {
			return ", whose names begin with " + PeerName.authorityOf(cert.getPublicKey());
		}
		catch (RuntimeException e) {
			return ", which cannot be hashed into a name (" + describe(e) + ")";
		}
	}

	private static String checkText(String field, String value, int max) {
		if (value == null) {
			return "";
		}
		if (value.length() > max) {
			throw reject(field + " is " + value.length() + " characters long; the limit is " + max + " characters");
		}
		int bad = firstNonXmlChar(value);
		if (bad >= 0) {
			throw reject(String.format(Locale.ROOT, "%s holds the character U+%04X at %d, which cards cannot carry",
					field, (int) value.charAt(bad), bad));
		}
		return value;
	}

	private static X509Certificate certificate(String base64) {
		byte[] der;
		try {
			der = Base64.getDecoder().decode(stripXmlWhiteSpace(base64));
		}
		catch (IllegalArgumentException e) {
			throw reject("<" + CERTIFICATE + "> is not valid base64: " + e.getMessage(), e);
		}
		if (der.length == 0) {
			throw reject("<" + CERTIFICATE + "> is empty; it must hold the base64 of a DER-encoded X.509 "
					+ "certificate");
		}
		Certificate parsed;
		try {
			parsed = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
		}
		catch (GeneralSecurityException | RuntimeException e) {
			throw reject("<" + CERTIFICATE + "> does not hold an X.509 certificate: " + describe(e), e);
		}
		if (!(parsed instanceof X509Certificate cert)) {
			throw reject("<" + CERTIFICATE + "> does not hold an X.509 certificate");
		}
		try {
			// The factory skips trailing bytes and also reads PEM: insisting on the exact DER keeps one card, one
			// certificate, one encoding.
			if (!Arrays.equals(cert.getEncoded(), der)) {
				throw reject("<" + CERTIFICATE + "> holds more than one DER-encoded certificate, or trailing bytes");
			}
			cert.verify(cert.getPublicKey());
		}
		catch (GeneralSecurityException | RuntimeException e) {
			if (e instanceof InvalidContactCardException i) {
				throw i;
			}
			throw reject("<" + CERTIFICATE + "> is not self-signed by its own key (" + describe(e)
					+ "); the certificate was altered", e);
		}
		return cert;
	}

	private static boolean flag(String text) {
		if (text == null) {
			return false;
		}
		return switch (text.strip()) {
			case "true" -> true;
			case "false" -> false;
			default -> throw reject("<" + SUBSCRIBED + "> must be true or false, was '" + MessageText.quote(text)
					+ "'");
		};
	}

	private static SubscribeAllowed allowed(String text) {
		if (text == null) {
			return SubscribeAllowed.ALLOWED;
		}
		String value = text.strip();
		for (SubscribeAllowed candidate : SubscribeAllowed.values()) {
			if (candidate.name().equals(value)) {
				return candidate;
			}
		}
		throw reject("<" + SUBSCRIBE_ALLOWED + "> must be one of " + Arrays.toString(SubscribeAllowed.values())
				+ ", was '" + MessageText.quote(text) + "'");
	}

	private static int port(String where, String text) {
		int port = PORT_DIGITS.matcher(text).matches() ? Integer.parseInt(text) : -1;
		if (port < 1 || port > 65535) {
			throw reject(where + " <" + PORT + "> must be a number from 1 to 65535, was '" + MessageText.quote(text)
					+ "'");
		}
		return port;
	}

	/**
	 * Reads an IPv4 or IPv6 literal with {@link IpLiterals}, which builds the address from its bytes, so that no text
	 * on a card ever reaches a resolver. A zone is refused: it only means something on the machine that wrote it.
	 */
	private static InetAddress ipLiteral(String where, String text) {
		IllegalArgumentException why = null;
		if (text.indexOf('%') < 0) {
			try {
				return IpLiterals.parseAddress(text);
			}
			catch (IllegalArgumentException e) {
				why = e;
			}
		}
		throw reject(where + " <" + HOST + "> '" + MessageText.quote(text) + "' is not an IP address literal. Cards "
				+ "carry IPv4 (192.0.2.1) or IPv6 (2001:db8::1) literals only, without zone, never host names, so "
				+ "that reading a card never makes a DNS lookup", why);
	}

	private static String hostOf(PeerEndPoint endPoint) {
		InetAddress address = endPoint.tcpAddress().getAddress();
		if (address == null) {
			throw new IllegalArgumentException("endpoint '" + endPoint.name() + "' (" + endPoint.address()
					+ ") has no IP address; cards carry IP literals only, resolve it first");
		}
		// From the bytes: the zone id only means something here.
		return IpLiterals.toString(address.getAddress());
	}

	private static void leaf(XMLStreamWriter w, int depth, String element, String value) throws XMLStreamException {
		int bad = firstNonXmlChar(value);
		if (bad >= 0) {
			throw new IllegalArgumentException(String.format(Locale.ROOT,
					"%s holds the character U+%04X at %d, which an XML 1.0 card cannot carry", element,
					(int) value.charAt(bad), bad));
		}
		indent(w, depth);
		w.writeStartElement(NAMESPACE, element);
		// A parser turns a literal CR into LF; only a character reference brings it back as CR.
		int from = 0;
		for (int cr = value.indexOf('\r'); cr >= 0; cr = value.indexOf('\r', from)) {
			w.writeCharacters(value.substring(from, cr));
			w.writeEntityRef("#13");
			from = cr + 1;
		}
		w.writeCharacters(value.substring(from));
		w.writeEndElement();
	}

	private static void indent(XMLStreamWriter w, int depth) throws XMLStreamException {
		w.writeCharacters("\n" + "\t".repeat(depth));
	}

	/** @return the index of the first character XML 1.0 cannot carry (or an unpaired surrogate), or -1 */
	private static int firstNonXmlChar(String s) {
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
				i++;
				continue;
			}
			boolean ok = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF)
					|| (c >= 0xE000 && c <= 0xFFFD);
			if (!ok) {
				return i;
			}
		}
		return -1;
	}

	private static boolean isXmlWhiteSpace(String s) {
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
				return false;
			}
		}
		return true;
	}

	private static String stripXmlWhiteSpace(String s) {
		StringBuilder out = new StringBuilder(s.length());
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
				out.append(c);
			}
		}
		return out.toString();
	}

	private static long utf8Length(String s) {
		long bytes = 0;
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
		}
		return bytes;
	}

	private static String notWellFormed(XMLStreamException e) {
		String message = String.valueOf(e.getMessage());
		int at = message.indexOf("Message: ");
		if (at >= 0) {
			message = message.substring(at + "Message: ".length());
		}
		Location location = e.getLocation();
		String where = location == null ? ""
				: " (line " + location.getLineNumber() + ", column " + location.getColumnNumber() + ")";
		return REJECTED + "it is not well-formed XML" + where + ": " + message.strip()
				+ " Was it cut short or edited?";
	}

	private static String describe(Throwable e) {
		return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
	}

	private static InvalidContactCardException reject(String problem) {
		return new InvalidContactCardException(REJECTED + problem);
	}

	private static InvalidContactCardException reject(String problem, Throwable cause) {
		return new InvalidContactCardException(REJECTED + problem, cause);
	}
}
