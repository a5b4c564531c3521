import AttuneCore
import Testing

struct ExpressionTypeCheckTests {
    let catalogue = ExpressionSchema(fields: [
        "item.price": .number, "item.margin": .number, "item.category": .string, "item.tags": .list,
        "item.in_stock": .bool, "item.extra.*": .any, "item.dims.*": .number, "item.dims.label": .string,
    ])

    @Test(arguments: [
        ("1 < \"a\"", "'<' cannot order number against string", 3),
        ("not 3", "'not' needs a boolean, got number", 5),
        ("! \"x\"", "'not' needs a boolean, got string", 3),
        ("1 == \"1\"", "'==' compares number with string, which are never equal", 3),
        ("true != [1]", "'!=' compares boolean with list, which are never equal", 6),
        ("1 + \"a\"", "'+' needs numbers, got string", 5),
        ("-\"a\"", "'-' needs a number, got string", 2),
        ("true * 2", "'*' needs numbers, got boolean", 1),
        ("1 and true", "'and' needs booleans, got number", 1),
        ("true or \"x\"", "'or' needs booleans, got string", 9),
        ("a < null", "'<' with null is always null; test with '== null' instead", 3),
        ("true < false", "'<' needs numbers or strings, got boolean", 1),
        ("[1] >= [2]", "'>=' needs numbers or strings, got list", 1),
        ("1 in 3", "'in' needs a list or a string on the right, got number", 6),
        ("1 in null", "'in' needs a list or a string on the right, got null", 6),
        ("1 in \"abc\"", "'in' on a string looks for a substring, so needs a string, got number", 3),
        ("1 in [\"a\", \"b\"]", "'in' looks for a number in a list of strings", 3),
        ("coalesce(1, 2) + \"a\"", "'+' needs numbers, got string", 18),
        ("lower(\"A\") > 1", "'>' cannot order string against number", 12),
    ])
    func typeErrorsVisibleFromLiteralsNeedNoSchema(_ source: String, _ message: String, _ column: Int) throws {
        let error = try #require(compileError(source))
        #expect(error.code == .typeMismatch)
        #expect(error.message == message)
        #expect(error.column == column)
    }

    @Test(arguments: [
        "a < \"x\"", "not a", "a + 1", "a in b", "a in [1, \"x\"]", "1 in [null, 2]", "a == null",
        "coalesce(a, 1) + 1", "coalesce(1, \"a\") == 1", "len(a) > 0", "a and b", "[a, 1] == b",
    ])
    func untypedFieldsAreAcceptedAnywhere(_ source: String) {
        #expect(compileError(source) == nil)
    }

    @Test(arguments: [
        (#"item.price < "x""#, "'<' cannot order number against string"),
        (#"item.category > 3"#, "'>' cannot order string against number"),
        (#"item.price == "5""#, "'==' compares number with string, which are never equal"),
        (#"not item.price"#, "'not' needs a boolean, got number"),
        (#"item.in_stock + 1"#, "'+' needs numbers, got boolean"),
        (#"lower(item.price) == "a""#, "argument 1 of lower() must be a string, got number"),
        (#"item.price in item.category"#, "'in' on a string looks for a substring, so needs a string, got number"),
        (#""a" in item.price"#, "'in' needs a list or a string on the right, got number"),
        (#"item.dims.width == "10""#, "'==' compares number with string, which are never equal"),
        (#"item.dims.label > 2"#, "'>' cannot order string against number"),
        (#"item.price and item.in_stock"#, "'and' needs booleans, got number"),
    ])
    func schemaTypesAreChecked(_ source: String, _ message: String) throws {
        let error = try #require(compileError(source, schema: catalogue))
        #expect(error.code == .typeMismatch)
        #expect(error.message == message)
    }

    @Test func unknownFieldsAreRejectedWithASuggestion() throws {
        let error = try #require(compileError("item.prce < 50", schema: catalogue))
        #expect(error.code == .unknownField)
        #expect(error.description == "unknown field 'item.prce' (did you mean 'item.price'?) at column 1")
        let far = try #require(compileError("item.colour == \"red\"", schema: catalogue))
        #expect(far.message == "unknown field 'item.colour'")
        let wrongRoot = try #require(compileError("user.price < 1", schema: catalogue))
        #expect(wrongRoot.code == .unknownField)
    }

    @Test func wildcardsAndOpenSchemasAdmitOtherPaths() throws {
        #expect(compileError("item.extra.anything.deep == 1 and item.extra.x == \"y\"", schema: catalogue) == nil)
        #expect(compileError("item.dims.width > 10", schema: catalogue) == nil)
        var open = catalogue
        open.allowsUnknownFields = true
        #expect(compileError("item.whatever == 1 and item.price < 50", schema: open) == nil)
        #expect(compileError("item.price < \"x\"", schema: open)?.code == .typeMismatch)
        #expect(catalogue.type(of: ["item", "dims", "label"]) == .string)
        #expect(catalogue.type(of: ["item", "dims", "depth"]) == .number)
        #expect(catalogue.type(of: ["item", "nothing"]) == nil)
    }

    @Test func wellTypedRulesCompileAgainstTheSchema() throws {
        let rule = try RuleExpression.compile(
            #"item.price < 50 and item.category != "adult" and "sale" in item.tags and item.in_stock"#,
            schema: catalogue)
        #expect(rule.resultType == .bool)
        #expect(rule.fieldPaths.count == 4)
    }

    @Test func conditionsMustBeBooleanUnlessTheCallerSaysOtherwise() throws {
        let error = try #require(compileError("item.price * 2", schema: catalogue, expecting: .bool))
        #expect(error.message == "rule must be a condition (true or false), but gives a number")
        #expect(
            try RuleExpression.compile("item.price * 2", schema: catalogue, expecting: .number).resultType == .number)
        #expect(try RuleExpression.compile("item.price * 2", schema: catalogue, expecting: nil).resultType == .number)
        // An untyped result may be boolean at run time, so it is accepted as a condition.
        #expect(try RuleExpression.compile("item.flag").resultType == .any)
        #expect(try RuleExpression.compile("coalesce(item.flag, false)").resultType == .any)
        #expect(try RuleExpression.compile("coalesce(item.in_stock, false)", schema: catalogue).resultType == .bool)
        #expect(compileError("\"yes\"", expecting: .bool)?.code == .typeMismatch)
    }
}
