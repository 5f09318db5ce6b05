"""Small built-in word lists the seed draws realistic names and titles from."""

from __future__ import annotations

FIRST_NAMES_F: tuple[str, ...] = (
    "Olivia", "Emma", "Ava", "Sophia", "Isabella", "Mia", "Amelia", "Harper", "Evelyn", "Abigail",
    "Emily", "Ella", "Madison", "Scarlett", "Grace", "Chloe", "Camila", "Penelope", "Riley", "Layla",
    "Lillian", "Nora", "Zoey", "Hannah", "Aaliyah", "Maya", "Priya", "Sofia", "Lucia", "Mei",
)
FIRST_NAMES_M: tuple[str, ...] = (
    "Liam", "Noah", "William", "James", "Oliver", "Benjamin", "Elijah", "Lucas", "Mason", "Logan",
    "Alexander", "Ethan", "Jacob", "Michael", "Daniel", "Henry", "Jackson", "Sebastian", "Aiden", "Matthew",
    "Samuel", "David", "Joseph", "Carter", "Owen", "Wyatt", "Mateo", "Diego", "Arjun", "Kenji",
)
MIDDLE_NAMES: tuple[str, ...] = ("Marie", "Lee", "Ann", "James", "Rose", "Ray", "Jo", "Lynn", "Kai", "")
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Patel", "Kim", "Chen", "O'Brien", "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper",
)

# (title, building_code, lowest grade, highest grade, city)
BUILDINGS: tuple[tuple[str, str, int, int, str], ...] = (
    ("Lakeside Elementary School", "LES", 0, 5, "Maplewood"),
    ("Cedar Ridge Middle School", "CRMS", 6, 8, "Maplewood"),
    ("Maplewood High School", "MHS", 9, 12, "Maplewood"),
    ("Northgate Academy", "NGA", 9, 12, "Northgate"),
)

# (title, code stem, department, subject_area)
COURSES_BY_LEVEL: dict[str, tuple[tuple[str, str, str, int], ...]] = {
    "elementary": (
        ("Reading Foundations", "READ", "Language Arts", 2),
        ("Mathematics", "MATH", "Mathematics", 3),
        ("Science Explorers", "SCI", "Science", 4),
        ("Social Studies", "SOC", "Social Studies", 5),
        ("Art", "ART", "Arts", 1),
        ("Music", "MUS", "Arts", 1),
    ),
    "middle": (
        ("English 7", "ENG7", "English", 2),
        ("Pre-Algebra", "PALG", "Mathematics", 3),
        ("Life Science", "LSCI", "Science", 4),
        ("World Geography", "GEO", "Social Studies", 5),
        ("Spanish I", "SPA1", "World Languages", 6),
        ("Band", "BAND", "Arts", 1),
    ),
    "high": (
        ("English 9", "ENG9", "English", 2),
        ("Algebra I", "ALG1", "Mathematics", 3),
        ("Biology", "BIO", "Science", 4),
        ("Chemistry", "CHEM", "Science", 4),
        ("US History", "USH", "Social Studies", 5),
        ("Spanish II", "SPA2", "World Languages", 6),
        ("Physical Education", "PE", "Health & PE", 7),
        ("Computer Science Principles", "CSP", "Technology", 8),
    ),
}

GROUPS: tuple[tuple[str, str, str], ...] = (
    # (title, group_code, category)
    ("Chess Club", "GRP-CHESS", "Clubs"),
    ("Student Council", "GRP-STUCO", "Student Government"),
    ("Robotics Team", "GRP-ROBOT", "Clubs"),
    ("Drama Club", "GRP-DRAMA", "Arts"),
    ("Parent Teacher Association", "GRP-PTA", "Community"),
    ("Faculty Lounge", "GRP-FACULTY", "Staff"),
)
