package open311

import (
	"encoding/xml"
	"time"
)

// The documents of GeoReport v2, in JSON (member names) and XML (element names) alike. JSON
// answers are the lists themselves (list()), XML wraps them in their plural element.

type serviceJSON struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	ServiceCode string   `json:"service_code" xml:"service_code"`
	ServiceName string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

type servicesXML struct {
	XMLName  xml.Name      `xml:"services"`
	Services []serviceJSON `xml:"service"`
}

func (s servicesXML) list() any { return s.Services }

func (sv service) json(en bool) serviceJSON {
	name, group := sv.NameVI, "Phản ánh, kiến nghị"
	desc := "Phản ánh về hành vi của cán bộ, công chức, viên chức. Cần attribute[unit_id]: mã đơn vị bị phản ánh."
	if en {
		name, group = sv.NameEN, "Feedback"
		desc = "Feedback about the conduct of officials. Needs attribute[unit_id]: the id of the unit concerned."
	}
	if sv.Category == nil {
		group, desc = "Khen ngợi", "Khen ngợi cán bộ, đơn vị (chỉ công bố; gửi qua ứng dụng)."
		if en {
			group, desc = "Praise", "Praise of an official or unit (published only; submitted through the app)."
		}
	}
	return serviceJSON{ServiceCode: sv.Code, ServiceName: name, Description: desc, Metadata: sv.Category != nil,
		Type: "batch", Keywords: string(sv.Channel), Group: group}
}

type attributeJSON struct {
	XMLName             xml.Name `json:"-" xml:"attribute"`
	Variable            bool     `json:"variable" xml:"variable"`
	Code                string   `json:"code" xml:"code"`
	Datatype            string   `json:"datatype" xml:"datatype"`
	Required            bool     `json:"required" xml:"required"`
	DatatypeDescription string   `json:"datatype_description" xml:"datatype_description"`
	Order               int      `json:"order" xml:"order"`
	Description         string   `json:"description" xml:"description"`
}

type definitionJSON struct {
	XMLName     xml.Name        `json:"-" xml:"service_definition"`
	ServiceCode string          `json:"service_code" xml:"service_code"`
	Attributes  []attributeJSON `json:"attributes" xml:"attributes>attribute"`
}

func definitionOf(sv service, en bool) definitionJSON {
	d := definitionJSON{ServiceCode: sv.Code, Attributes: []attributeJSON{}}
	if sv.Category != nil {
		a := attributeJSON{Variable: true, Code: "unit_id", Datatype: "string", Required: true, Order: 1,
			DatatypeDescription: "Mã đơn vị (id của Unit trong API GraphQL).", Description: "Đơn vị bị phản ánh"}
		if en {
			a.DatatypeDescription, a.Description = "The unit's id (a Unit's id in the GraphQL API).", "The unit concerned"
		}
		d.Attributes = append(d.Attributes, a)
	}
	return d
}

// requestJSON is a published request: GeoReport v2's fields that open data may fill
// (authz.OpenCase), and no others.
type requestJSON struct {
	XMLName           xml.Name `json:"-" xml:"request"`
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       *string  `json:"status_notes" xml:"status_notes"`
	ServiceName       string   `json:"service_name" xml:"service_name"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	AgencyResponsible string   `json:"agency_responsible" xml:"agency_responsible"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime" xml:"updated_datetime"`
}

type requestsXML struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []requestJSON `xml:"request"`
}

func (r requestsXML) list() any { return r.Requests }

func requestsOf(rs []Request, en bool) requestsXML {
	out := requestsXML{Requests: make([]requestJSON, len(rs))}
	for i, r := range rs {
		status := "open"
		if r.Closed {
			status = "closed"
		}
		name := r.Service.NameVI
		if en {
			name = r.Service.NameEN
		}
		j := requestJSON{ServiceRequestID: r.PublicID, Status: status, ServiceName: name, ServiceCode: r.Service.Code,
			AgencyResponsible: r.Agency, RequestedDatetime: vietnamTime(r.RequestedAt), UpdatedDatetime: vietnamTime(r.UpdatedAt)}
		if r.StatusNotes != "" {
			note := r.StatusNotes
			j.StatusNotes = &note
		}
		out.Requests[i] = j
	}
	return out
}

// postedJSON answers a POST: GeoReport v2's token (here the tracking code and the secret joined
// by a dot: all a citizen needs to follow the case) and service_notice, plus the same token split
// in two and the signed receipt (extensions).
type postedJSON struct {
	XMLName       xml.Name `json:"-" xml:"request"`
	Token         string   `json:"token" xml:"token"`
	ServiceNotice string   `json:"service_notice" xml:"service_notice"`
	TrackingCode  string   `json:"tracking_code" xml:"tracking_code"`
	Secret        string   `json:"secret" xml:"secret"`
	Receipt       string   `json:"receipt,omitempty" xml:"receipt,omitempty"`
}

type postedXML struct {
	XMLName  xml.Name     `xml:"service_requests"`
	Requests []postedJSON `xml:"request"`
}

func (p postedXML) list() any { return p.Requests }

type errorJSON struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

type errorsXML struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []errorJSON `xml:"error"`
}

func (e errorsXML) list() any { return e.Errors }

func errorsOf(code int, en bool, vi, eng string) errorsXML {
	d := vi
	if en {
		d = eng
	}
	return errorsXML{Errors: []errorJSON{{Code: code, Description: d}}}
}

type endpointJSON struct {
	XMLName       xml.Name `json:"-" xml:"endpoint"`
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

type discoveryJSON struct {
	XMLName    xml.Name       `json:"-" xml:"discovery"`
	Changeset  string         `json:"changeset" xml:"changeset"`
	Contact    string         `json:"contact" xml:"contact"`
	KeyService string         `json:"key_service" xml:"key_service"`
	Endpoints  []endpointJSON `json:"endpoints" xml:"endpoints>endpoint"`
}

// changeset is when this interface last changed (issue 16).
var changeset = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

func discoveryOf(url string) discoveryJSON {
	cs := vietnamTime(changeset)
	return discoveryJSON{Changeset: cs,
		Contact:    "Ban chỉ đạo cuộc vận động; Liêm Chính API",
		KeyService: "api_key do quản trị viên cấp cho ứng dụng đối tác (partnerKeyIssue) / issued to partner apps by an administrator (partnerKeyIssue)",
		Endpoints: []endpointJSON{{Specification: Spec, URL: url, Changeset: cs, Type: "production",
			Formats: []string{"application/json", "text/xml"}}}}
}
