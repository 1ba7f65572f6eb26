// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class UpnpMessagesTest {

	static final String DESCRIPTION = """
			<?xml version="1.0"?>
			<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>1</minor></specVersion>
			<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
			<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
			<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
			<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANPPPConnection:1</serviceType>
			<controlURL>/ctl/PPP</controlURL></service>
			<service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>
			<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId><controlURL>/ctl/IPConn</controlURL>
			<eventSubURL>/evt/IPConn</eventSubURL><SCPDURL>/WANIPCn.xml</SCPDURL></service></serviceList>
			</device></deviceList></device></deviceList></device></root>
			""";

	@Test
	void theSearchIsAnSsdpMSearch() {
		assertThat(new String(UpnpMessages.search(UpnpMessages.IGD_1, 2), StandardCharsets.US_ASCII)).isEqualTo(
				"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\n"
						+ "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n");
	}

	@Test
	void theSearchResponsesLocationIsRead() {
		byte[] response = ("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: " + UpnpMessages.IGD_1 + "\r\n"
				+ "location: http://10.1.0.1:38991/rootDesc.xml\r\nEXT:\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

		assertThat(UpnpMessages.location(response)).isEqualTo(URI.create("http://10.1.0.1:38991/rootDesc.xml"));
	}

	@Test
	void badSearchResponsesNameTheFieldAndTheLimit() {
		assertThatThrownBy(() -> UpnpMessages.location(new byte[2049]))
				.isInstanceOfSatisfying(GatewayFormatException.class,
						e -> assertThat(e.field()).isEqualTo("SSDP response"))
				.hasMessageContaining("at most 2048 bytes, was 2049");
		assertThatThrownBy(() -> UpnpMessages.location("HTTP/1.1 200 OK\r\nST: x\r\n\r\n".getBytes()))
				.isInstanceOfSatisfying(GatewayFormatException.class, e -> assertThat(e.field()).isEqualTo("LOCATION"));
		assertThatThrownBy(() -> UpnpMessages.location("HTTP/1.1 200 OK\r\nLOCATION: ftp://10.1.0.1/x\r\n\r\n"
				.getBytes())).hasMessageContaining("an http URL");
		assertThatThrownBy(() -> UpnpMessages.location("NOTIFY * HTTP/1.1\r\n\r\n".getBytes()))
				.isInstanceOfSatisfying(GatewayFormatException.class,
						e -> assertThat(e.field()).isEqualTo("status line"));
		assertThatThrownBy(() -> UpnpMessages.location(("HTTP/1.1 200 OK\r\n" + "X: y\r\n".repeat(33) + "\r\n")
				.getBytes())).hasMessageContaining("at most 32 header lines");
	}

	@Test
	void theBestWanServiceOfTheDescriptionIsFoundAndItsControlUrlResolved() {
		UpnpMessages.Service service = UpnpMessages.wanService(DESCRIPTION,
				URI.create("http://10.1.0.1:38991/rootDesc.xml")).orElseThrow();

		assertThat(service.serviceType()).isEqualTo("urn:schemas-upnp-org:service:WANIPConnection:1");
		assertThat(service.controlUrl()).isEqualTo(URI.create("http://10.1.0.1:38991/ctl/IPConn"));
	}

	@Test
	void aControlUrlOnAnotherHostIsRefused() {
		String elsewhere = DESCRIPTION.replace("/ctl/IPConn", "http://10.1.0.99/ctl");
		assertThatThrownBy(() -> UpnpMessages.wanService(elsewhere, URI.create("http://10.1.0.1:38991/rootDesc.xml")))
				.isInstanceOfSatisfying(GatewayFormatException.class, e -> assertThat(e.field()).isEqualTo("controlURL"));
	}

	@Test
	void aDescriptionWithADtdIsRefusedSoNoEntityIsExpanded() {
		String bomb = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><r>&b;</r>";
		assertThatThrownBy(() -> UpnpMessages.wanService(bomb, URI.create("http://10.1.0.1/")))
				.isInstanceOf(GatewayFormatException.class).hasMessageContaining("not well-formed XML without DTD");
	}

	@Test
	void aSoapRequestNamesTheActionAndItsArgumentsInOrder() {
		Map<String, String> args = new LinkedHashMap<>();
		args.put("NewRemoteHost", "");
		args.put("NewExternalPort", "7000");
		args.put("NewProtocol", "TCP");
		String service = "urn:schemas-upnp-org:service:WANIPConnection:1";

		assertThat(UpnpMessages.soapRequest(service, "DeletePortMapping", args)).isEqualTo("<?xml version=\"1.0\"?>\r\n"
				+ "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
				+ "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>"
				+ "<u:DeletePortMapping xmlns:u=\"" + service + "\"><NewRemoteHost></NewRemoteHost>"
				+ "<NewExternalPort>7000</NewExternalPort><NewProtocol>TCP</NewProtocol></u:DeletePortMapping>"
				+ "</s:Body></s:Envelope>\r\n");
		assertThat(UpnpMessages.soapAction(service, "DeletePortMapping")).isEqualTo("\"" + service
				+ "#DeletePortMapping\"");
	}

	@Test
	void aSoapResponsesArgumentsAreRead() {
		String body = "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
				+ "<s:Body><u:GetExternalIPAddressResponse xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\">"
				+ "<NewExternalIPAddress>203.0.113.10</NewExternalIPAddress></u:GetExternalIPAddressResponse>"
				+ "</s:Body></s:Envelope>";

		assertThat(UpnpMessages.soapResponse(200, body, "GetExternalIPAddress"))
				.containsEntry("NewExternalIPAddress", "203.0.113.10");
	}

	@Test
	void aUpnpErrorIsARefusalWithItsCode() {
		String fault = "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
				+ "<s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>"
				+ "<UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\"><errorCode>718</errorCode>"
				+ "<errorDescription>ConflictInMappingEntry</errorDescription></UPnPError></detail></s:Fault>"
				+ "</s:Body></s:Envelope>";

		assertThatThrownBy(() -> UpnpMessages.soapResponse(500, fault, "AddPortMapping"))
				.isInstanceOfSatisfying(GatewayRefusedException.class, e -> assertThat(e.code()).isEqualTo(718))
				.hasMessageContaining("ConflictInMappingEntry");
		assertThatThrownBy(() -> UpnpMessages.soapResponse(404, "not xml", "AddPortMapping"))
				.isInstanceOfSatisfying(GatewayRefusedException.class, e -> assertThat(e.code()).isEqualTo(404));
		assertThatThrownBy(() -> UpnpMessages.soapResponse(200, "<a/>", "AddPortMapping"))
				.isInstanceOfSatisfying(GatewayFormatException.class,
						e -> assertThat(e.field()).isEqualTo("AddPortMappingResponse"));
	}
}
