//! Concept fallback chains: the first concept of a chain that has a value for the period wins.
//! Filers rename concepts (AAPL revenue: `SalesRevenueNet` to FY2017, `Revenues` in FY2018, then
//! `RevenueFromContractWithCustomerExcludingAssessedTax`).

pub const REVENUE: &[&str] = &[
    "us-gaap:SalesRevenueNet",
    "us-gaap:Revenues",
    "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax",
    "us-gaap:RevenueFromContractWithCustomerIncludingAssessedTax",
];
pub const GROSS_PROFIT: &[&str] = &["us-gaap:GrossProfit"];
pub const COST_OF_REVENUE: &[&str] =
    &["us-gaap:CostOfGoodsAndServicesSold", "us-gaap:CostOfRevenue", "us-gaap:CostOfGoodsSold"];
pub const OPERATING_INCOME: &[&str] = &["us-gaap:OperatingIncomeLoss"];
pub const NET_INCOME: &[&str] = &["us-gaap:NetIncomeLoss", "us-gaap:ProfitLoss"];
pub const PRETAX_INCOME: &[&str] = &[
    "us-gaap:IncomeLossFromContinuingOperationsBeforeIncomeTaxesExtraordinaryItemsNoncontrollingInterest",
    "us-gaap:IncomeLossFromContinuingOperationsBeforeIncomeTaxesMinorityInterestAndIncomeLossFromEquityMethodInvestments",
];
pub const INCOME_TAX: &[&str] = &["us-gaap:IncomeTaxExpenseBenefit"];
pub const EQUITY: &[&str] = &[
    "us-gaap:StockholdersEquity",
    "us-gaap:StockholdersEquityIncludingPortionAttributableToNoncontrollingInterest",
];
pub const LONG_TERM_DEBT: &[&str] = &["us-gaap:LongTermDebt", "us-gaap:LongTermDebtNoncurrent"];
pub const CASH: &[&str] = &["us-gaap:CashAndCashEquivalentsAtCarryingValue"];
pub const OPERATING_CASH_FLOW: &[&str] = &[
    "us-gaap:NetCashProvidedByUsedInOperatingActivities",
    "us-gaap:NetCashProvidedByUsedInOperatingActivitiesContinuingOperations",
];
pub const CAPEX: &[&str] =
    &["us-gaap:PaymentsToAcquirePropertyPlantAndEquipment", "us-gaap:PaymentsToAcquireProductiveAssets"];
pub const DEPRECIATION: &[&str] = &[
    "us-gaap:DepreciationDepletionAndAmortization",
    "us-gaap:DepreciationAmortizationAndAccretionNet",
    "us-gaap:DepreciationAndAmortization",
    "us-gaap:Depreciation",
];
/// Share counts (unit `shares`): the cover page count, else diluted weighted average.
pub const SHARES: &[&str] =
    &["dei:EntityCommonStockSharesOutstanding", "us-gaap:WeightedAverageNumberOfDilutedSharesOutstanding"];
