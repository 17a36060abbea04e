package seed

import (
	"fmt"
	"strings"

	"github.com/liemchinh/liemchinh/ent/schema/enum"
)

// Vietnamese names, weighted roughly as in the Mekong Delta.
var (
	surnames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Bùi", "Đặng",
		"Đỗ", "Ngô", "Hồ", "Dương", "Đinh", "Lâm", "Trịnh", "Mai", "Cao", "Lý", "Châu", "Tô", "Đoàn", "Lương"}
	surnameWeights = []float64{34, 10, 9, 6, 6, 6, 4, 3, 2, 2, 2, 2, 2, 1.5, 1, 1.5, 1, 1, 1, 1, 0.8, 0.7, 0.8, 0.7}
	middleMale     = []string{"Văn", "Văn", "Văn", "Minh", "Hữu", "Thanh", "Quốc", "Công", "Đức", "Hoàng", "Tấn", "Trọng", "Ngọc", "Thành"}
	middleFemale   = []string{"Thị", "Thị", "Thị", "Ngọc", "Thanh", "Kim", "Thu", "Bích", "Mỹ", "Hồng", "Thùy", "Minh", "Phương"}
	givenMale      = []string{"Hùng", "Dũng", "Tuấn", "Phong", "Long", "Minh", "Hải", "Khoa", "Nam", "Phúc", "Tài", "Thành",
		"Trung", "Vinh", "Hiếu", "Lộc", "Tâm", "Toàn", "Sơn", "Quang", "Bình", "Cường", "Đạt", "Huy", "Kiên", "Nhân",
		"Tín", "Trí", "Thắng", "Hòa", "Khánh", "Nghĩa", "Phước", "Thuận", "Tùng", "Vũ", "Bảo", "Duy", "Hậu", "Lâm"}
	givenFemale = []string{"Lan", "Hoa", "Hương", "Mai", "Linh", "Ngọc", "Trang", "Thảo", "Nhung", "Hạnh", "Yến",
		"Phương", "Thủy", "Loan", "Vân", "Diễm", "Trinh", "Tuyết", "Hằng", "Nga", "Oanh", "Hiền", "My", "Nhi", "Thư",
		"Uyên", "Xuân", "Diệu", "Kiều", "Châu", "Duyên", "Giang", "Hà", "Huyền", "Liên", "Ngân", "Quyên", "Tâm", "Tiên", "Vy"}
)

func personName(s *stream) string {
	sur := surnames[weighted(s, surnameWeights)]
	if s.chance(0.52) {
		return sur + " " + pick(s, middleFemale) + " " + pick(s, givenFemale)
	}
	return sur + " " + pick(s, middleMale) + " " + pick(s, givenMale)
}

// lowerFirst writes a district's or commune's name as it reads inside a unit's name
// ("Phòng Nội vụ huyện Ba Tri").
func lowerFirst(name string) string {
	for _, p := range []string{"Huyện ", "Thành phố ", "Thị xã ", "Quận ", "Xã ", "Phường ", "Thị trấn "} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return strings.ToLower(p[:1]) + p[1:] + rest
		}
	}
	return name
}

// placeName drops the kind in front of a district's or commune's name.
func placeName(name string) string {
	for _, p := range []string{"Huyện ", "Thành phố ", "Thị xã ", "Quận ", "Xã ", "Phường ", "Thị trấn "} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return rest
		}
	}
	return name
}

// criterionDef is a criterion of the demo plan (DESIGN.md §2).
type criterionDef struct {
	code, kind, vi, en string
}

var criteria = []criterionDef{
	{"NO_ARROGANCE", "INDIVIDUAL_PROHIBITION", "Không cửa quyền, hách dịch, gây khó khăn, phiền hà",
		"No authoritarianism, arrogance, causing difficulty or harassment"},
	{"NO_BUREAUCRACY", "INDIVIDUAL_PROHIBITION", "Không quan liêu, vô cảm, vô trách nhiệm",
		"No bureaucracy, indifference or irresponsibility"},
	{"NO_CORRUPTION", "INDIVIDUAL_PROHIBITION", "Không tham nhũng, lãng phí, lợi ích nhóm",
		"No corruption, waste or group interests"},
	{"NO_FLATTERY", "INDIVIDUAL_PROHIBITION", "Không xu nịnh, chạy chọt, gian dối",
		"No flattery, string-pulling or dishonesty"},
	{"NO_ABUSE_OF_POWER", "INDIVIDUAL_PROHIBITION", "Không lợi dụng chức vụ, quyền hạn trong thực thi công vụ",
		"No abuse of position and power in public duty"},
	{"DISCIPLINE", "INDIVIDUAL_VIRTUE", "Kỷ cương", "Discipline"},
	{"RESPONSIBILITY", "INDIVIDUAL_VIRTUE", "Trách nhiệm", "Responsibility"},
	{"DEDICATION", "INDIVIDUAL_VIRTUE", "Tận tụy", "Dedication"},
	{"PROFESSIONALISM", "INDIVIDUAL_VIRTUE", "Chuyên nghiệp", "Professionalism"},
	{"ADMIN_REFORM", "COLLECTIVE_CAMPAIGN", "Tích cực, chủ động cải cách hành chính",
		"Actively and proactively carry out administrative reform"},
	{"SERVING_PEOPLE", "COLLECTIVE_CAMPAIGN", "Phục vụ nhân dân", "Serve the people"},
	{"PREVENTING_NEGATIVITY", "COLLECTIVE_CAMPAIGN", "Ngăn ngừa các hành vi tiêu cực", "Prevent negative behaviour"},
	{"CIVILISED_MODERN_GREEN", "COLLECTIVE_EMULATION", "Xây dựng cơ quan, đơn vị văn minh, hiện đại, xanh, sạch, đẹp",
		"A civilised, modern, green, clean and beautiful agency"},
}

// prohibitions are the five "no"s, the categories of incidents.
var prohibitions = []enum.Category{enum.CategoryNoArrogance, enum.CategoryNoBureaucracy,
	enum.CategoryNoCorruption, enum.CategoryNoFlattery, enum.CategoryNoAbuseOfPower}

// incidentWeights: how often each prohibition is breached (arrogance and bureaucracy are the common ones).
var incidentWeights = []float64{32, 30, 10, 8, 20}

var categoryVi = map[enum.Category]string{
	enum.CategoryNoArrogance:    "cửa quyền, hách dịch, gây khó khăn, phiền hà",
	enum.CategoryNoBureaucracy:  "quan liêu, vô cảm, vô trách nhiệm",
	enum.CategoryNoCorruption:   "tham nhũng, lãng phí, lợi ích nhóm",
	enum.CategoryNoFlattery:     "xu nịnh, chạy chọt, gian dối",
	enum.CategoryNoAbuseOfPower: "lợi dụng chức vụ, quyền hạn trong thực thi công vụ",
	enum.CategoryOther:          "nội dung khác",
}

// procedures citizens go through at a unit, by the kind of unit.
var (
	adminProcedures = []string{"cấp giấy chứng nhận quyền sử dụng đất", "đăng ký khai sinh cho con", "chứng thực bản sao",
		"xin giấy phép xây dựng nhà ở", "xác nhận hộ nghèo", "đăng ký hộ kinh doanh", "chuyển mục đích sử dụng đất",
		"đăng ký kết hôn", "xác nhận thông tin cư trú", "giải quyết chế độ trợ cấp xã hội", "tách thửa đất",
		"xác nhận đơn vay vốn", "hỗ trợ thiệt hại do hạn mặn"}
	healthProcedures = []string{"khám chữa bệnh bảo hiểm y tế", "cấp giấy chứng nhận nghỉ việc hưởng bảo hiểm xã hội",
		"tiêm chủng cho trẻ", "cấp giấy khám sức khỏe", "chuyển tuyến điều trị"}
	schoolProcedures = []string{"nhập học cho con", "miễn giảm học phí", "xác nhận học bạ", "chuyển trường cho con"}
)

func proceduresFor(fl flavour) []string {
	switch fl {
	case flHospital:
		return healthProcedures
	case flSchool:
		return schoolProcedures
	}
	return adminProcedures
}

// titles are positions written with a capital inside a sentence.
var titles = []string{"Chủ tịch", "Phó Chủ tịch", "Giám đốc", "Phó Giám đốc", "Trưởng", "Phó Trưởng", "Chánh", "Phó Chánh",
	"Hiệu trưởng", "Phó Hiệu trưởng", "Ủy viên", "Chỉ huy trưởng"}

// inText writes a position as it reads inside a sentence: titles keep their capital ("Phó Giám đốc"),
// other posts do not ("chuyên viên", "công chức Tư pháp - Hộ tịch").
func inText(position string) string {
	for _, t := range titles {
		if strings.HasPrefix(position, t) {
			return position
		}
	}
	r := []rune(position)
	if len(r) == 0 {
		return position
	}
	return strings.ToLower(string(r[0])) + string(r[1:])
}

var caseTemplates = map[enum.Category][]string{
	enum.CategoryNoArrogance: {
		"Khi tôi đến %[1]s làm thủ tục %[2]s, %[3]s có thái độ hách dịch, quát tháo và yêu cầu bổ sung nhiều giấy tờ không có trong quy định.",
		"%[3]s tại %[1]s hẹn tôi nhiều lần để %[2]s nhưng không giải quyết, gây phiền hà, đi lại nhiều lần.",
		"Người dân đến %[1]s để %[2]s bị %[3]s gây khó dễ, nói chuyện thiếu tôn trọng.",
	},
	enum.CategoryNoBureaucracy: {
		"Hồ sơ %[2]s của gia đình tôi nộp tại %[1]s đã quá hạn nhiều tuần mà chưa có kết quả, %[3]s không trả lời lý do.",
		"%[3]s tại %[1]s thờ ơ, không hướng dẫn khi người dân hỏi về thủ tục %[2]s.",
		"Phản ánh việc %[1]s chậm trễ giải quyết %[2]s; %[3]s thường xuyên vắng mặt trong giờ làm việc.",
	},
	enum.CategoryNoCorruption: {
		"%[3]s tại %[1]s gợi ý người dân \"bồi dưỡng\" để được giải quyết nhanh thủ tục %[2]s.",
		"Tố cáo %[3]s tại %[1]s nhận tiền ngoài quy định khi làm thủ tục %[2]s.",
		"Có dấu hiệu lãng phí, sử dụng kinh phí không đúng mục đích tại %[1]s, liên quan đến %[3]s.",
	},
	enum.CategoryNoFlattery: {
		"%[3]s tại %[1]s kê khai không trung thực hồ sơ thi đua, khen thưởng.",
		"Có việc chạy chọt trong xét duyệt %[2]s tại %[1]s, liên quan đến %[3]s.",
	},
	enum.CategoryNoAbuseOfPower: {
		"%[3]s tại %[1]s lợi dụng chức vụ ưu tiên giải quyết hồ sơ %[2]s cho người quen, không theo thứ tự tiếp nhận.",
		"Tố cáo %[3]s tại %[1]s lợi dụng quyền hạn yêu cầu người dân sử dụng dịch vụ của người thân khi làm thủ tục %[2]s.",
	},
	enum.CategoryOther: {
		"Đề nghị %[1]s bố trí thêm chỗ ngồi chờ và niêm yết công khai phí, lệ phí thủ tục %[2]s.",
		"Phản ánh trang thông tin của %[1]s không cập nhật hướng dẫn thủ tục %[2]s.",
	},
}

var praiseTemplates = []string{
	"Tôi xin cảm ơn %[3]s tại %[1]s đã tận tình hướng dẫn, giải quyết nhanh thủ tục %[2]s cho gia đình tôi.",
	"Khen ngợi %[3]s tại %[1]s làm việc chu đáo, đến tận nhà hỗ trợ người già làm thủ tục %[2]s.",
	"Gia đình tôi cảm ơn %[1]s đã giải quyết thủ tục %[2]s trước hẹn, thái độ phục vụ rất tốt.",
}

// describe writes what a citizen says about a unit (and an official, by position, if named).
func describe(s *stream, cat *enum.Category, u *unitRec, position string) string {
	who := "cán bộ tiếp nhận hồ sơ"
	if position != "" {
		who = "ông/bà " + inText(position)
	}
	t := pick(s, praiseTemplates)
	if cat != nil {
		t = pick(s, caseTemplates[*cat])
	}
	out := fmt.Sprintf(t, u.name, pick(s, proceduresFor(u.flavour)), who)
	r := []rune(out)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

var rejectReasons = []string{
	"Không thụ lý: nội dung không nêu rõ người vi phạm và hành vi vi phạm, không có cơ sở để xác minh.",
	"Không thụ lý: vụ việc đã được giải quyết, người gửi không cung cấp thông tin, tình tiết mới.",
	"Không thụ lý: nội dung không thuộc phạm vi phản ánh về thái độ, trách nhiệm của cán bộ, công chức, viên chức.",
}

var transferTargets = []string{"Ủy ban Kiểm tra Huyện ủy", "Ủy ban Kiểm tra Tỉnh ủy", "Công an tỉnh Bến Tre",
	"Thanh tra Sở Tài nguyên và Môi trường", "Tòa án nhân dân huyện"}

var withdrawReasons = []string{"Người gửi rút nội dung: sự việc đã được đơn vị giải thích, khắc phục.",
	"Người gửi rút nội dung vì đã tự thỏa thuận với đơn vị.", "Người gửi rút lại để bổ sung thông tin và gửi lại sau."}

var pledgeWithdrawReasons = []string{"Ký nhầm nội dung cam kết của năm trước.",
	"Chuyển vị trí việc làm, ký lại cam kết theo nhiệm vụ mới.",
	"Bổ sung nội dung cam kết theo hướng dẫn của Ban chỉ đạo."}

var findingsClean = []string{
	"Đơn vị triển khai đầy đủ cuộc vận động; 100%% CBCCVC ký cam kết năm %d; niêm yết công khai thủ tục hành chính và đường dây nóng; không phát hiện vi phạm.",
	"Đơn vị đăng ký thi đua năm %d đúng hạn, tổ chức sinh hoạt chuyên đề về 5 không; hồ sơ giải quyết đúng hạn đạt trên 95%%; không phát hiện vi phạm.",
	"Kiểm tra việc thực hiện cuộc vận động năm %d: đơn vị thực hiện tốt, một số hồ sơ tự đánh giá còn sơ sài, đề nghị chấn chỉnh.",
}

var reviewComments = map[enum.Classification][]string{
	enum.ClassificationExcellent:    {"Hoàn thành xuất sắc nhiệm vụ, là điển hình trong thực hiện cuộc vận động.", "Đồng ý mức tự đánh giá."},
	enum.ClassificationGood:         {"Đồng ý mức tự đánh giá.", "Hoàn thành tốt nhiệm vụ; cần chủ động hơn trong cải cách hành chính."},
	enum.ClassificationCompleted:    {"Hoàn thành nhiệm vụ; một số hồ sơ còn chậm so với quy định.", "Điều chỉnh mức xếp loại do còn hồ sơ trễ hạn."},
	enum.ClassificationNotCompleted: {"Không hoàn thành nhiệm vụ: nhiều hồ sơ trễ hạn, chưa khắc phục sau nhắc nhở."},
}

var selfSummaries = []string{
	"Chấp hành nghiêm chủ trương, chính sách, nội quy cơ quan; thực hiện đúng 5 không của cuộc vận động; hoàn thành các nhiệm vụ được giao.",
	"Hoàn thành khối lượng công việc được giao đúng tiến độ; thái độ phục vụ nhân dân tận tình; tham gia đầy đủ các phong trào thi đua.",
	"Giữ gìn đạo đức, lối sống; giải quyết hồ sơ đúng hạn; tích cực ứng dụng công nghệ thông tin trong công việc.",
}

var registrationGoals = []string{
	"Năm %d: 100%% CBCCVC ký cam kết \"nói không với tiêu cực\"; không có CBCCVC vi phạm 5 không; tỷ lệ hồ sơ giải quyết đúng hạn đạt %d%%; xây dựng cơ quan văn minh, hiện đại, xanh, sạch, đẹp; phấn đấu đạt Tập thể lao động tiên tiến.",
	"Năm %d: đẩy mạnh cải cách hành chính, phục vụ nhân dân; giảm tỷ lệ tiêu cực so với năm trước; tỷ lệ hài lòng của người dân đạt %d%%; 100%% CBCCVC tự đánh giá đúng hạn.",
	"Năm %d: thực hiện kỷ cương, trách nhiệm, tận tụy, chuyên nghiệp; công khai thủ tục, đường dây nóng; %d%% hồ sơ tiếp nhận trực tuyến được giải quyết đúng hạn; không để xảy ra khiếu nại, tố cáo vượt cấp.",
}
