// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.peercollab.PeerAddress;
import io.peercollab.PeerEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** What the name-resolution contracts publish and look up: documentation addresses, contacts, foreign keys. */
final class NameFixtures {

	private NameFixtures() {
	}

	/** @return an endpoint at a documentation address (RFC 5737 / RFC 3849), named {@code name} */
	static PeerEndPoint endPoint(String name, String ip, int port) {
		try {
			return new PeerEndPoint(name, new InetSocketAddress(InetAddress.getByName(ip), port));
		}
		catch (UnknownHostException e) {
			throw new IllegalArgumentException(ip, e);
		}
	}

	/** @return one IPv4 and one IPv6 endpoint, named as an interface would be, distinct for each {@code n} */
	static List<PeerEndPoint> twoEndPoints(int n) {
		return List.of(endPoint("eth0", "203.0.113." + n, 40_000 + n), endPoint("wlan0", "2001:db8::" + n, 41_000 + n));
	}

	/** @return the contact as it is known from the identity's card: name, key, no endpoints */
	static PeerContact contactOf(PeerIdentity identity) {
		return PeerContact.of(identity.name(), identity.name().classifier(), identity.certificate());
	}

	/** @return the socket addresses of {@code endPoints}, the part a source vouches for */
	static Set<PeerAddress> addresses(List<PeerEndPoint> endPoints) {
		return endPoints.stream().map(PeerEndPoint::address).collect(Collectors.toSet());
	}

	/** @return the socket addresses of {@code records} */
	static Set<PeerAddress> addressesOf(List<EndpointRecord> records) {
		return records.stream().map(r -> r.endPoint().address()).collect(Collectors.toSet());
	}

	/**
	 * @return a contact under an unsecured name whose certificate holds an RSA key, a key type no
	 * {@link PeerIdentity} has: nothing a source could have a record for
	 */
	static PeerContact foreignKeyContact() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			KeyPair keys = generator.generateKeyPair();
			X500Name subject = new X500Name("CN=stranger");
			Instant now = Instant.now();
			X509Certificate certificate = new JcaX509CertificateConverter()
					.getCertificate(new JcaX509v3CertificateBuilder(subject, BigInteger.ONE,
							Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(3600)), subject, keys.getPublic())
							.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
			return PeerContact.of(PeerName.unsecured("stranger"), "stranger", certificate);
		}
		catch (Exception e) {
			throw new IllegalStateException("cannot make an RSA certificate: " + e, e);
		}
	}
}
